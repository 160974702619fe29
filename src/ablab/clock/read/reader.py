"""Read clock images with a trained reader: one read path for `read`, `evaluate`, a trial's test scoring and the bench.

A reader is any `.keras` file saved by `ablab clock train`; its name carries its encoding, its input shape the image
size. `Reader` holds its networks and its second stage, taken apart once; `Reader.read(images)` is the reading:
a point reader (`landmarks`) without a second stage reads each image at 8 rotations in one batch and agrees on
the points (ablab.clock.read.tta); one with a second stage reads once (the stage only needs the centre) and the
stage reads the dial the points place (ablab.clock.read.stages); any other reader reads once.
`best_model_path` finds the best reader trained so far from a small registry file next to the store, else the
reader that ships with ablab.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.clock.data.images import crop_gray, load_image_file, resize_gray, to_model_input
from ablab.clock.read.encodings import Encoding
from ablab.clock.read.networks import parse_model_name
from ablab.clock.read.polar_stage import UPRIGHT_SHARE
from ablab.clock.read.shipped import SHIPPED_READER, shipped_card
from ablab.clock.read.stages import SecondStage, reader_parts, stage_of
from ablab.clock.read.tta import TTA_ANGLES_DEG, tta_points
from ablab.errors import AblabError

REGISTRY_FILE = "clock_models.json"
# A dial measured smaller than ZOOM_BELOW (its radius in normalized units, 1 = half the picture's side) is cut out
# at ZOOM_TO: the middle of the sizes the reader trained on (`varied` dials reach 0.6–0.94).
ZOOM_BELOW, ZOOM_TO = 0.5, 0.75
# A reading less sure than Reader.search_below (the reader's "uncertain" threshold, in `read` and `evaluate`) is
# looked for again (Reader._search): a dial at 0.3–0.5 of the frame, off centre, whose centre the point reader
# missed (on 73% of `small` validation dials it was more than 0.2 radii off; where it was not, they read 0.7 min).
# A 3×3 grid of squares reaching 0.55 each, 0.45 apart (normalized units), proposes where dials are (PROPOSAL_RADIUS:
# the radii kept); each proposal is cut out again from the whole picture at ZOOM_TO and read, and the surest
# reading counts if at least SEARCH_SURE sure: cut around a part of a big hard dial, a reading is now and then
# sure and wrong. SEARCH_SURE was chosen on validation draws (seed 1010, 150 px, 300 each of `small` and of the
# held-out families) as the lowest at which no family lost more than one dial to the search: at 0.98, `small` 115 →
# 69 min mean (the squares' own readings, used before, reached 79 at 0.97), `held-out` 12.7 → 13.7 (one dial), the
# rest unchanged. Confidence was the only rule that separated: readings agreeing across proposals, or proposals
# outside the first dial, lost 2–49 dials of the big ones. ~1 s more for each reading searched.
SEARCH_GRID, SEARCH_HALF, SEARCH_STEP = 3, 0.55, 0.45
PROPOSAL_RADIUS = (0.1, ZOOM_BELOW)  # normalized units: a smaller "dial" is a numeral or a knob
PROPOSAL_APART = 0.05  # normalized units: proposals closer than this are one
SEARCH_SURE = 0.98
POINT_CHUNK = 32  # images per forward pass of a point reader (times its views)
PREDICT_CHUNK = 256  # images per forward pass of any other reader


@dataclass(frozen=True)
class Reader:
    """A trained reader: its one-image network, its encoding, and its second stage with that stage's network."""

    net: object  # keras.Model: image → the encoding's heads
    encoding: Encoding
    stage: SecondStage | None = None
    second_net: object | None = None
    cut_net: object | None = None  # with a second stage: the network that places its cuts, if not second_net
    views: tuple[float, ...] = (0.0,)  # turns (deg) a point reader reads each image at (ablab.clock.read.tta)
    find_dial: bool = True  # with a second stage: read a small dial again, cut out where the stage found it
    upright_share: float = UPRIGHT_SHARE  # with a second stage: the world's share of upright clocks (its prior)
    search_below: float = 0.0  # with a second stage: search the picture for a dial when less sure than this

    @classmethod
    def of(cls, model) -> Reader:
        """The Reader of a model saved by `ablab clock train` (or just trained): AblabError if it is none."""
        encoding, _ = parse_model_name(model.name)
        net, second_net, cut_net = reader_parts(model)
        if second_net is not None:
            return cls(net, encoding, stage_of(second_net), second_net, cut_net)
        views = TTA_ANGLES_DEG if _point_head(encoding) else (0.0,)
        return cls(net, encoding, views=views)

    @property
    def input_size(self) -> int:
        return int(self.net.input_shape[1])

    def read(self, images: np.ndarray,
             originals: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """uint8 (N, S, S) at the reader's size → (labels int64 (N, 2) [hour, minute], confidence (N,) or None).

        With a second stage and `find_dial`, a dial the stage measured smaller than ZOOM_BELOW is cut out around
        the centre it found, at ZOOM_TO (from `originals`, the pictures at their own size, when given) and read
        again; the surer of the two readings is kept. A reading still less sure than `search_below` is looked for
        in a grid of squares of the picture (_search), and the surest reading kept."""
        images = np.asarray(images, np.uint8)
        head = _point_head(self.encoding)
        if head is None:
            return self.encoding.decode(self._predict(images, PREDICT_CHUNK))
        if self.stage is None:
            return self.encoding.decode({head: self._points(images, head)})
        labels, confidence, _ = self._read_found(images, originals)
        pictures = images if originals is None else originals
        for i in np.flatnonzero(confidence < self.search_below):
            found = self._search(pictures[i])
            if found is not None and found[1] > confidence[i]:
                labels[i], confidence[i] = found
        return labels, confidence

    def _read_found(self, images: np.ndarray, originals) -> tuple:
        """The staged reading with the dial finder: (labels, confidence, (centre, radius) of the dial measured)."""
        head = _point_head(self.encoding)
        labels, confidence, (centre, radius) = self._read_staged(images, head)
        pictures = images if originals is None else originals
        small = np.flatnonzero(radius < ZOOM_BELOW) if self.find_dial else np.zeros(0, np.int64)
        if small.size:
            crops = np.stack([crop_gray(pictures[i], centre[i], radius[i] / ZOOM_TO, self.input_size) for i in small])
            zoomed, zoomed_confidence, _ = self._read_staged(crops, head)
            surer = zoomed_confidence >= confidence[small]
            labels[small[surer]], confidence[small[surer]] = zoomed[surer], zoomed_confidence[surer]
        return labels, confidence, (centre, radius)

    def _search(self, picture: np.ndarray) -> tuple[np.ndarray, float] | None:
        """The surest reading of the dials that squares of the picture propose (_proposals), each cut out again
        from the whole picture around it at ZOOM_TO and read with the dial finder, if at least SEARCH_SURE sure;
        else None. A square seldom holds all of a small dial, so its own reading is not used, only where it saw one."""
        proposals = self._proposals(picture)
        if not proposals:
            return None
        side = min(picture.shape[:2])
        crops = [crop_gray(picture, centre, radius / ZOOM_TO, max(self.input_size, round(radius / ZOOM_TO * side)))
                 for centre, radius in proposals]
        small = np.stack([resize_gray(crop, self.input_size) for crop in crops])
        labels, confidence, _ = self._read_found(small, crops)
        best = int(np.argmax(confidence))
        if confidence[best] < SEARCH_SURE:
            return None
        return labels[best], float(confidence[best])

    def _proposals(self, picture: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """Dials smaller than ZOOM_BELOW that SEARCH_GRID × SEARCH_GRID squares reaching SEARCH_HALF each (at the
        picture's own resolution) find: [(centre (2,), radius)] in the picture's normalized units, inside it, one
        per place (those within PROPOSAL_APART of an earlier one dropped)."""
        steps = SEARCH_STEP * (np.arange(SEARCH_GRID) - (SEARCH_GRID - 1) / 2)
        squares = np.array([(x, y) for y in steps for x in steps])  # each lies inside the picture: not moved
        side = max(self.input_size, round(SEARCH_HALF * min(picture.shape[:2])))
        crops = np.stack([resize_gray(crop_gray(picture, c, SEARCH_HALF, side), self.input_size) for c in squares])
        _, _, (centre, radius) = self._read_staged(crops, _point_head(self.encoding))
        centre, radius = squares + centre * SEARCH_HALF, radius * SEARCH_HALF
        proposals: list[tuple[np.ndarray, float]] = []
        for c, r in zip(centre, radius):
            inside = np.abs(c).max() < 1.0 and PROPOSAL_RADIUS[0] < r < PROPOSAL_RADIUS[1]
            if inside and all(np.linalg.norm(c - seen) > PROPOSAL_APART for seen, _ in proposals):
                proposals.append((c, float(r)))
        return proposals

    def _points(self, images: np.ndarray, head: str) -> np.ndarray:
        if self.views == (0.0,):
            return self._predict(images, POINT_CHUNK)[head]
        return tta_points(lambda x: self.net.predict_on_batch(x)[head], images, self.views)

    def dial_points(self, images: np.ndarray) -> np.ndarray:
        """uint8 (N, S, S) → the point reader's (N, 7, 2) points (ablab.clock.data.landmarks.LANDMARKS), read as
        `read` reads them."""
        head = _point_head(self.encoding)
        if head is None:
            raise AblabError(f"a {self.encoding.name} reader finds no points")
        return self._points(images, head).reshape(len(images), -1, 2)

    def _read_staged(self, images: np.ndarray, head: str) -> tuple:
        points = self._points(images, head).reshape(len(images), -1, 2)
        return self.stage.read(self.second_net.predict_on_batch, images, points, upright_share=self.upright_share,
                               cut_predict=self.geometry_net.predict_on_batch)

    @property
    def geometry_net(self):
        """The second-stage network that says where to cut the dial: cut_net, else second_net (None without)."""
        return self.second_net if self.cut_net is None else self.cut_net

    def warm_up(self) -> None:
        """Trace the forward passes a one-image read makes (its batch shapes), so the first read does not pay."""
        size = self.input_size
        if self.stage is not None:
            self.read(np.zeros((1, size, size), np.uint8))  # the point reader's pass, then the stage's
        else:
            self.net.predict_on_batch(np.zeros((len(self.views), size, size, 1), np.float32))

    def _predict(self, images: np.ndarray, chunk: int) -> dict[str, np.ndarray]:
        """One forward pass per chunk of uint8 (N, S, S) → {head name: (N, units)}. predict_on_batch runs the
        compiled (traced once) pass: ~7 ms for one image, where an eager model(x) took ~170 ms (measured)."""
        parts: dict[str, list] = {}
        for start in range(0, len(images), chunk):
            out = self.net.predict_on_batch(images[start : start + chunk].astype(np.float32)[..., None])
            for k, v in out.items():
                parts.setdefault(k, []).append(np.asarray(v))
        return {k: np.concatenate(v) for k, v in parts.items()}


@dataclass(frozen=True)
class Reading:
    source: str
    hour: int  # 0–11, 0 is 12 o'clock
    minute: int
    confidence: float | None
    uncertain: bool = False  # confidence under the reader's threshold (chosen on validation data: its card)

    @property
    def hhmm(self) -> str:
        """As a clock face reads: 12:05, 3:30 → "03:30"."""
        return f"{self.hour or 12:02d}:{self.minute:02d}"


def _point_head(encoding: Encoding) -> str | None:
    """The head whose output is points, if the encoding has exactly one."""
    heads = [h.name for h in encoding.heads if h.points]
    return heads[0] if len(heads) == 1 else None


def load_reader(path: Path) -> Reader:
    """Load a saved clock reader; AblabError naming the file if it is missing, not a Keras file, or not a reader.
    It is warmed up (Reader.warm_up), so the first real read does not pay for tracing."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise AblabError(f"model file {path} not found; train one with `ablab clock train --out {path}`")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # keras raises ValueError, OSError, zipfile errors... for a bad file
        raise AblabError(f"model file {path} could not be loaded as a Keras model: {err}") from None
    reader = Reader.of(model)
    reader.warm_up()
    return reader


def read_images(reader: Reader, images: list[np.ndarray], sources: list[str],
                uncertain_below: float | None = None) -> list[Reading]:
    """Gray images of any size → one Reading each (resized to the reader's input), flagged uncertain when its
    confidence is under `uncertain_below`. One image per read: the shape load_reader traced, so no retracing
    whatever the number of files."""
    read = [reader.read(resize_gray(img, reader.input_size)[None], [img]) for img in images]
    labels = np.concatenate([labels for labels, _ in read])
    confidence = [None if conf is None else float(conf[0]) for _, conf in read]
    return [Reading(src, int(h), int(m), c, uncertain_below is not None and c is not None and c < uncertain_below)
            for src, (h, m), c in zip(sources, labels, confidence)]


def read_files(reader: Reader, paths: list[Path], uncertain_below: float | None = None) -> list[Reading]:
    """Read every image file (all are loaded first, so a bad file fails before any output)."""
    images = [load_image_file(p) for p in paths]
    return read_images(reader, images, [str(p) for p in paths], uncertain_below)


def images_for(reader: Reader, images: np.ndarray, name: str) -> np.ndarray:
    """(N, H, W) → uint8-valued (N, S, S) at the reader's input size (AblabError naming `name` on bad shapes)."""
    return to_model_input(images, reader.input_size, name=name)[..., 0]


# ---------------------------------------------------------------- registry of trained readers


def record_model(registry_dir: Path, model_path: Path, encoding: str, metrics: dict) -> None:
    """Remember a trained reader (path, encoding, test metrics) in registry_dir/clock_models.json."""
    registry_dir = Path(registry_dir)
    registry_dir.mkdir(parents=True, exist_ok=True)
    entries = [e for e in _registry(registry_dir) if Path(e["path"]) != Path(model_path).resolve()]
    entries.append({"path": str(Path(model_path).resolve()), "encoding": encoding, "metrics": metrics})
    tmp = registry_dir / f".{REGISTRY_FILE}.tmp"
    tmp.write_text(json.dumps(entries, indent=1, default=float))
    tmp.replace(registry_dir / REGISTRY_FILE)  # atomic: a crash never leaves a half-written registry


def best_model_path(registry_dir: Path, store_path: Path | None = None) -> Path:
    """The existing reader with the lowest test mean common-sense error: among those `ablab clock train` recorded
    in registry_dir, and the clock trials (studies, `ablab train`) of the store at store_path if it exists; the
    shipped reader (ablab.clock.read.shipped) when the user has trained none."""
    entries = [e for e in _registry(Path(registry_dir)) + _store_entries(store_path) if Path(e["path"]).is_file()]
    if not entries and SHIPPED_READER.is_file():
        return SHIPPED_READER
    if not entries:
        raise AblabError(f"no trained clock reader recorded in {Path(registry_dir) / REGISTRY_FILE}"
                         f"{'' if store_path is None else f' or {store_path}'}; "
                         "train one with `ablab clock train` or pass --model FILE")

    def score(e):
        value = (e.get("metrics") or {}).get("mean_cse_min")
        return math.inf if value is None else float(value)

    return Path(min(entries, key=score)["path"])


def recorded_threshold(path: Path, registry_dir: Path, store_path: Path | None = None) -> float | None:
    """The "uncertain" threshold of the reader at path: the one the shipped reader's card states, else the one
    `ablab clock train` (or a clock trial) chose on its validation split and recorded; None if none was."""
    if Path(path) == SHIPPED_READER:
        return shipped_card().get("uncertain_below")
    for entry in reversed(_registry(Path(registry_dir)) + _store_entries(store_path)):
        if Path(entry["path"]).resolve() == Path(path).resolve():
            return (entry.get("metrics") or {}).get("uncertain_below")
    return None


def _store_entries(store_path: Path | None) -> list[dict]:
    """Completed clock trials with a saved model, from the SQLite store (never created here)."""
    if store_path is None or not Path(store_path).is_file():
        return []
    from ablab.store import Store

    rows = Store(store_path).trials(state="complete")
    return [{"path": r.model_path, "encoding": r.config.get("encoding"), "metrics": r.metrics}
            for r in rows if r.config.get("task") == "clock" and r.model_path]


def _registry(registry_dir: Path) -> list[dict]:
    path = registry_dir / REGISTRY_FILE
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text())
    except (json.JSONDecodeError, OSError) as err:
        raise AblabError(f"{path} is not a readable model registry ({err}); fix or remove it") from None
    return entries if isinstance(entries, list) else []

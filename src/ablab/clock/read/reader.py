"""Read clock images with a trained reader: one read path for `read`, `evaluate`, a trial's test scoring and the bench.

A reader is any `.keras` file saved by `ablab clock train`; its name carries its encoding, its input shape the image
size. `Reader` holds its networks and its second stage, taken apart once; `Reader.read(images)` is the reading:
a point reader (`landmarks`) without a second stage reads each image at 8 rotations in one batch and agrees on
the points (ablab.clock.read.tta); one with a second stage reads once (the stage only needs the centre) and the
stage reads the dial the points place, in its reading mode (`Reader.options`, a polar_stage.PolarOptions: the dial
finder, the upright rule, the search; ablab.clock.read.stages); any other reader reads once. Which reader to read
with, and its "uncertain" threshold, is the registry's (ablab.clock.read.registry).
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, replace
from pathlib import Path

import numpy as np

from ablab.clock.data.images import load_image_file, resize_gray, to_model_input
from ablab.clock.read import ellipse
from ablab.clock.read.encodings import Encoding
from ablab.clock.read.explain import DialSeen
from ablab.clock.read.networks import parse_model_name
from ablab.clock.read.polar_stage import PolarOptions
from ablab.clock.read.stages import SecondStage, reader_parts, stage_of
from ablab.clock.read.tta import TTA_ANGLES_DEG, tta_points
from ablab.errors import AblabError

POINT_CHUNK = 32  # images per forward pass of a point reader (times its views)
PREDICT_CHUNK = 256  # images per forward pass of any other reader


@dataclass(frozen=True)
class Reader:
    """A trained reader: its one-image network, its encoding, and its second stage with that stage's network(s)
    and reading mode."""

    net: object  # keras.Model: image → the encoding's heads
    encoding: Encoding
    stage: SecondStage | None = None
    second_net: object | None = None
    cut_net: object | None = None  # with a second stage: the network that places its cuts, if not second_net
    views: tuple[float, ...] = (0.0,)  # turns (deg) a point reader reads each image at (ablab.clock.read.tta)
    options: PolarOptions = PolarOptions()  # with a second stage: its reading mode (with_options to change it)
    # with a second stage: read a dial found tilted again, rectified (ablab.clock.read.ellipse.tilted_dial)
    rectify_tilted: bool = True
    # two of the options as keywords, as a Reader was built before it had `options` (the pinned-reader test builds
    # one so with dataclasses.replace): folded into `options` when given; read them there, not here
    find_dial: InitVar[bool | None] = None
    upright_share: InitVar[float | None] = None

    def __post_init__(self, find_dial: bool | None, upright_share: float | None) -> None:
        given = {"find_dial": find_dial, "upright_share": upright_share}
        changes = {k: v for k, v in given.items() if v is not None}
        if changes:
            object.__setattr__(self, "options", replace(self.options, **changes))

    @classmethod
    def of(cls, model, options: PolarOptions = PolarOptions()) -> Reader:
        """The Reader of a model saved by `ablab clock train` (or just trained): AblabError if it is none."""
        encoding, _ = parse_model_name(model.name)
        net, second_net, cut_net = reader_parts(model)
        if second_net is not None:
            return cls(net, encoding, stage_of(second_net), second_net, cut_net, options=options)
        views = TTA_ANGLES_DEG if _point_head(encoding) else (0.0,)
        return cls(net, encoding, views=views, options=options)

    def with_options(self, options: PolarOptions) -> Reader:
        """This reader in another reading mode (its second stage's; a reader without one reads as before)."""
        return replace(self, options=options)

    def with_reading_net(self, net) -> Reader:
        """This reader with `net` (a network of its stage's kind) reading the dial, the cuts still placed where this
        reader places them (geometry_net): a reader adapted from labels before it is saved (ablab.clock.read.adapt)."""
        return replace(self, second_net=net, cut_net=self.geometry_net)

    @property
    def input_size(self) -> int:
        return int(self.net.input_shape[1])

    def read(self, images: np.ndarray,
             originals: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """uint8 (N, S, S) at the reader's size → (labels int64 (N, 2) [hour, minute], confidence (N,) or None).

        With a second stage, the stage reads in the reader's mode (polar_stage.read_pictures: a dial measured small
        is read again cut out around the centre found, from `originals`, the pictures at their own size, when given;
        a reading still less sure than options.search_below is searched for)."""
        labels, confidence, _ = self.read_seen(images, originals)
        return labels, confidence

    def read_seen(self, images: np.ndarray, originals: list[np.ndarray] | None = None) -> tuple:
        """read, and what it read by: (labels, confidence, the dials as an explain.DialSeen in the pictures'
        normalized units, or None for a reader without a second stage)."""
        images = np.asarray(images, np.uint8)
        head = _point_head(self.encoding)
        if head is None:
            return (*self.encoding.decode(self._predict(images, PREDICT_CHUNK)), None)
        if self.stage is None:
            return (*self.encoding.decode({head: self._points(images, head)}), None)
        read = self._stage_read(images, originals)
        return self._read_tilted(images, *read) if self.rectify_tilted else read

    def _stage_read(self, images: np.ndarray, originals, options: PolarOptions | None = None) -> tuple:
        return self.stage.read(self.dial_points, self.second_net.predict_on_batch, images, originals,
                               options=options or self.options, cut_predict=self.geometry_net.predict_on_batch)

    def _read_tilted(self, images: np.ndarray, labels, confidence, seen) -> tuple:
        """Dials the read found tilted (ellipse.tilted_dial: the face an ellipse that agrees with the circle read)
        read again on the picture rectified to a circle, without the search (the dial is where the first read found
        it); the surer reading is kept, with the dial it saw mapped back into the picture. On 300 rendered
        `photo-floor` clocks (tilts to 60°) 81.9 → 68.2 min mean; `varied`, `held-out`, `single` and `photo`
        unchanged within 0.01 min (docs/clock_reader.md)."""
        found = [(i, e) for i in range(len(images))
                 if (e := ellipse.tilted_dial(images[i], seen.centre[i], seen.axes[i].mean())) is not None]
        if not found:
            return labels, confidence, seen
        again, again_confidence, again_seen = self._stage_read(
            np.stack([ellipse.rectify(images[i], e) for i, e in found]), None, self.options.without_search())
        for j, (i, e) in enumerate(found):
            if again_confidence[j] >= confidence[i]:
                labels[i], confidence[i] = again[j], again_confidence[j]
                seen = seen.put([i], ellipse.unrectified(again_seen.take([j]), e, images.shape[1]))
        return labels, confidence, seen

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

    @property
    def geometry_net(self):
        """The second-stage network that says where to cut the dial: cut_net, else second_net (None without)."""
        return self.second_net if self.cut_net is None else self.cut_net

    def warm_up(self) -> None:
        """Trace the forward passes a one-image read makes (its batch shapes), so the first read does not pay."""
        size = self.input_size
        if self.stage is not None:  # the point reader's pass, then the stage's (a blank never starts the search)
            self.with_options(self.options.without_search()).read(np.zeros((1, size, size), np.uint8))
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
    seen: DialSeen | None = None  # the dial this reading was read by (one row; None: the reader measures none)

    @property
    def hhmm(self) -> str:
        """As a clock face reads: 12:05, 3:30 → "03:30"."""
        return f"{self.hour or 12:02d}:{self.minute:02d}"


def _point_head(encoding: Encoding) -> str | None:
    """The head whose output is points, if the encoding has exactly one."""
    heads = [h.name for h in encoding.heads if h.points]
    return heads[0] if len(heads) == 1 else None


def load_reader(path: Path, options: PolarOptions = PolarOptions()) -> Reader:
    """Load a saved clock reader, reading in the mode `options`; AblabError naming the file if it is missing, not a
    Keras file, or not a reader. It is warmed up (Reader.warm_up), so the first real read does not pay for tracing."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise AblabError(f"model file {path} not found; train one with `ablab clock train --out {path}`")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # keras raises ValueError, OSError, zipfile errors... for a bad file
        raise AblabError(f"model file {path} could not be loaded as a Keras model: {err}") from None
    reader = Reader.of(model, options)
    reader.warm_up()
    return reader


def read_images(reader: Reader, images: list[np.ndarray], sources: list[str],
                uncertain_below: float | None = None) -> list[Reading]:
    """Gray images of any size → one Reading each (resized to the reader's input), flagged uncertain when its
    confidence is under `uncertain_below`. One image per read: the shape load_reader traced, so no retracing
    whatever the number of files."""
    read = [reader.read_seen(resize_gray(img, reader.input_size)[None], [img]) for img in images]
    labels = np.concatenate([labels for labels, _, _ in read])
    confidence = [None if conf is None else float(conf[0]) for _, conf, _ in read]
    return [Reading(src, int(h), int(m), c, uncertain_below is not None and c is not None and c < uncertain_below,
                    seen) for src, (h, m), c, (_, _, seen) in zip(sources, labels, confidence, read)]


def read_files(reader: Reader, paths: list[Path], uncertain_below: float | None = None) -> list[Reading]:
    """Read every image file (all are loaded first, so a bad file fails before any output)."""
    images = [load_image_file(p) for p in paths]
    return read_images(reader, images, [str(p) for p in paths], uncertain_below)


def images_for(reader: Reader, images: np.ndarray, name: str) -> np.ndarray:
    """(N, H, W) → uint8-valued (N, S, S) at the reader's input size (AblabError naming `name` on bad shapes)."""
    return to_model_input(images, reader.input_size, name=name)[..., 0]

"""Read clock images with a trained reader: load a `.keras` model, load image files, decode times.

A reader is any `.keras` file saved by `ablab clock train`; its name carries its encoding, its input shape the image
size. `best_model_path` finds the best reader trained so far from a small registry file next to the store.
Point readers (`landmarks`) read each image at 8 rotations in one batch (ablab.clock.tta); a reader saved with a
second stage (ablab.clock.stages) then runs it on the dial the points place: the dial check after the 8 views, or
the polar reader after one view (it only needs the centre): 4 forward passes in all.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.clock.stages import point_views, reader_parts, second_outputs
from ablab.clock.encodings import Encoding
from ablab.clock.pipeline import resize_gray, to_model_input
from ablab.errors import AblabError

REGISTRY_FILE = "clock_models.json"


@dataclass(frozen=True)
class Reader:
    model: object  # keras.Model
    encoding: Encoding
    input_size: int
    path: Path


@dataclass(frozen=True)
class Reading:
    source: str
    hour: int  # 0–11, 0 is 12 o'clock
    minute: int
    confidence: float | None

    @property
    def hhmm(self) -> str:
        """As a clock face reads: 12:05, 3:30 → "03:30"."""
        return f"{self.hour or 12:02d}:{self.minute:02d}"


def load_reader(path: Path) -> Reader:
    """Load a saved clock reader; AblabError naming the file if it is missing, not a Keras file, or not a reader."""
    import keras

    from ablab.clock.models import parse_model_name

    path = Path(path)
    if not path.is_file():
        raise AblabError(f"model file {path} not found; train one with `ablab clock train --out {path}`")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # keras raises ValueError, OSError, zipfile errors... for a bad file
        raise AblabError(f"model file {path} could not be loaded as a Keras model: {err}") from None
    encoding, _ = parse_model_name(model.name)
    points_net, second_net = reader_parts(model)
    reader = Reader(model=model, encoding=encoding, input_size=int(points_net.input_shape[1]), path=path)
    batch = len(point_views(second_net)) if _point_head(reader) else 1  # every read's batch: trace once, here
    predict_fast(reader, np.zeros((batch, reader.input_size, reader.input_size, 1), np.float32))
    if second_net is not None:  # trace its batch shape too
        second_outputs(second_net, np.zeros((1, reader.input_size, reader.input_size), np.uint8),
                       np.zeros((1, 7, 2), np.float32))
    return reader


def load_image_file(path: Path) -> np.ndarray:
    """A PNG/JPEG/... file → (H, W) uint8 grayscale; AblabError naming the file if it is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                img = _flatten_alpha(img.convert("RGBA"))
            return np.asarray(img.convert("L"), dtype=np.uint8)
    except FileNotFoundError:
        raise AblabError(f"image file {path} not found") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise AblabError(f"image file {path} is not a readable image (PNG, JPEG, ...): {err}") from None


def _flatten_alpha(img):
    """Composite a transparent image on white, as a viewer would show it."""
    from PIL import Image

    background = Image.new("RGBA", img.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, img)


def predict_fast(reader: Reader, x: np.ndarray) -> dict[str, np.ndarray]:
    """One compiled forward pass: `predict_on_batch` traces once and then takes ~7 ms for one image, where an
    eager `model(x)` took ~170 ms and `predict` ~350 ms (its per-call loop set-up), measured on this CPU."""
    out = reader_parts(reader.model)[0].predict_on_batch(x)
    return {k: np.asarray(v) for k, v in out.items()}


def _point_head(reader: Reader) -> str | None:
    """The head whose output is points (read with rotation TTA), if the reader's encoding has exactly one."""
    heads = [h.name for h in reader.encoding.heads if h.points]
    return heads[0] if len(heads) == 1 else None


def _read_one(reader: Reader, image: np.ndarray) -> dict[str, np.ndarray]:
    """One uint8 (S, S) image → the decoder's inputs for it; a point reader sees its turned copies in one batch
    (ablab.clock.tta; stages.point_views), then its second stage, if it has one, the dial placed by the points."""
    from ablab.clock.tta import tta_outputs

    head = _point_head(reader)
    if head is None:
        return predict_fast(reader, image.astype(np.float32)[None, ..., None])
    second_net = reader_parts(reader.model)[1]
    outputs = tta_outputs(lambda x: predict_fast(reader, x)[head], image[None], head, point_views(second_net))
    if second_net is not None:
        outputs.update(second_outputs(second_net, image[None], outputs[head].reshape(1, -1, 2)))
    return outputs


def read_images(reader: Reader, images: list[np.ndarray], sources: list[str]) -> list[Reading]:
    """Gray images of any size → one Reading each (resized to the reader's input)."""
    x = [resize_gray(img, reader.input_size) for img in images]
    # one image per call: the shape load_reader traced, so no retracing whatever the number of files
    outputs = [_read_one(reader, img) for img in x]
    labels, conf = reader.encoding.decode({k: np.concatenate([o[k] for o in outputs]) for k in outputs[0]})
    return [
        Reading(src, int(h), int(m), None if conf is None else float(c))
        for src, (h, m), c in zip(sources, labels, conf if conf is not None else [None] * len(sources))
    ]


def read_files(reader: Reader, paths: list[Path]) -> list[Reading]:
    """Read every image file (all are loaded first, so a bad file fails before any output)."""
    images = [load_image_file(p) for p in paths]
    return read_images(reader, images, [str(p) for p in paths])


def load_arrays(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The report's format: images (N, H, W) uint8-valued, labels (N, 2) [hour 0–11, minute 0–59]; checked."""
    images = _load_npy(images_path)
    labels = _load_npy(labels_path)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 1):
        raise AblabError(f"{images_path}: expected images of shape (N, H, W), got {images.shape}")
    if labels.ndim != 2 or labels.shape[1] != 2 or len(labels) != len(images):
        raise AblabError(f"{labels_path}: expected labels of shape ({len(images)}, 2) matching {images_path}, "
                         f"got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.number) or labels.size and (
            labels[:, 0].min() < 0 or labels[:, 0].max() > 12 or labels[:, 1].min() < 0 or labels[:, 1].max() > 59):
        raise AblabError(f"{labels_path}: labels must be [hour 0–11, minute 0–59]")
    return images.reshape(images.shape[:3]), labels.astype(np.int64)


def _load_npy(path: Path) -> np.ndarray:
    path = Path(path)
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise AblabError(f"array file {path} not found") from None
    except (ValueError, OSError, EOFError) as err:
        raise AblabError(f"array file {path} is not a readable .npy array: {err}") from None


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
    in registry_dir, and the clock trials (studies, `ablab train`) of the store at store_path if it exists."""
    entries = [e for e in _registry(Path(registry_dir)) + _store_entries(store_path) if Path(e["path"]).is_file()]
    if not entries:
        raise AblabError(f"no trained clock reader recorded in {Path(registry_dir) / REGISTRY_FILE}"
                         f"{'' if store_path is None else f' or {store_path}'}; "
                         "train one with `ablab clock train` or pass --model FILE")

    def score(e):
        value = (e.get("metrics") or {}).get("mean_cse_min")
        return math.inf if value is None else float(value)

    return Path(min(entries, key=score)["path"])


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

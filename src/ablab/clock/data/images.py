"""Images into a reader's shape: any gray image or stack of them → the reader's square input, and image files.

Here, not in read/, because both the data a reader trains on and the files `ablab clock read` is given go through
it (and the report's thumbnails of a trial's worst readings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ablab.errors import AblabError


def to_model_input(images, size: int, *, name: str = "images") -> np.ndarray:
    """(N, H, W) or (H, W) gray arrays of any size → float32 (N, size, size, 1), resized with antialiasing if needed.

    Raises AblabError naming `name` for arrays that are not 2-D images or stacks of them.
    """
    arr = np.asarray(images)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or min(arr.shape[1:]) < 8:
        raise AblabError(f"{name}: expected grayscale images of shape (N, H, W), got an array of shape "
                         f"{np.asarray(images).shape}")
    if arr.shape[1:] != (size, size):
        arr = np.stack([resize_gray(a, size) for a in arr])
    return arr.astype(np.float32)[..., None]


def resize_gray(image: np.ndarray, size: int) -> np.ndarray:
    """One (H, W) gray image → (size, size) uint8; non-square images are padded with their border gray first."""
    from PIL import Image

    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    h, w = img.shape
    if h != w:
        side = max(h, w)
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        canvas = np.full((side, side), int(np.median(border)), np.uint8)
        canvas[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = img
        img = canvas
    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.LANCZOS))


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

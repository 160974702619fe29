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


def square_gray(image: np.ndarray) -> np.ndarray:
    """One (H, W) gray image → uint8 (side, side), side = max(H, W): a non-square one is centred on its border gray.
    This square is what a reader's normalized coordinates (x, y in [−1, 1]) refer to."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    h, w = img.shape
    if h == w:
        return img
    side = max(h, w)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    canvas = np.full((side, side), int(np.median(border)), np.uint8)
    canvas[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = img
    return canvas


def resize_gray(image: np.ndarray, size: int) -> np.ndarray:
    """One (H, W) gray image → (size, size) uint8; non-square images are padded with their border gray first."""
    from PIL import Image

    return np.asarray(Image.fromarray(square_gray(image)).resize((size, size), Image.Resampling.LANCZOS))


def crop_gray(image: np.ndarray, centre: tuple[float, float], half: float, size: int) -> np.ndarray:
    """The square around `centre` reaching `half` (normalized units of square_gray(image): x, y in [−1, 1], 1 = half
    the side) → uint8 (size, size). The square is moved, not cut, to stay inside the picture; at half ≥ 1 it is the
    whole picture. Cut from the picture as given, so a large photo gives a small dial all its own pixels."""
    from PIL import Image

    img = square_gray(image)
    side = img.shape[0]
    half_px = min(side / 2, max(4.0, half * side / 2))
    cx = np.clip((centre[0] + 1) / 2 * side, half_px, side - half_px)
    cy = np.clip((centre[1] + 1) / 2 * side, half_px, side - half_px)
    box = (cx - half_px, cy - half_px, cx + half_px, cy + half_px)
    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.LANCZOS, box=box))


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

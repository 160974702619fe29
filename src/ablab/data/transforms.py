"""Data transforms: the report's Task 2 pixel permutation ("obfuscation").

One fixed permutation of the 28×28 = 784 pixel positions, drawn from its own seed, is applied identically to
train, valid and test, so every image of every split is scrambled the same way. An MLP cannot tell the
difference (its first layer sees an unordered vector); a CNN loses the spatial neighbourhoods it relies on.
"""

from __future__ import annotations

import dataclasses

import numpy as np


def pixel_permutation(seed: int, n_pixels: int = 784) -> np.ndarray:
    """The permutation of pixel positions for `seed`: int64 (n_pixels,), a rearrangement of 0..n_pixels-1."""
    return np.random.default_rng(seed).permutation(n_pixels)


def permute_images(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """Scramble (N, H, W) images: output pixel j (row-major) is input pixel permutation[j]. Same dtype, new array."""
    n, height, width = images.shape
    if permutation.shape != (height * width,):
        raise ValueError(f"permutation of {permutation.shape[0]} positions for {height}×{width} images")
    flat = images.reshape(n, height * width)  # (N, H*W)
    return np.ascontiguousarray(flat[:, permutation]).reshape(n, height, width)


def permute_pixels(splits, seed: int):
    """A new Splits with one fixed pixel permutation (from `seed`) applied to train, valid and test."""
    height, width = splits.x_train.shape[1:]
    permutation = pixel_permutation(seed, height * width)
    return dataclasses.replace(
        splits,
        x_train=permute_images(splits.x_train, permutation),
        x_valid=permute_images(splits.x_valid, permutation),
        x_test=permute_images(splits.x_test, permutation),
    )

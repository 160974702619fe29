"""A split in memory: uint8 images, labels, and each image's camera and landmarks (Frame) when known (ClockPart),
and the three splits of a set (ClockArrays). Plain containers, so every reading module can use them cheaply.

Images stay uint8 in memory (a 100,000-image pool is 2.2 GB; float32 would be 9 GB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    """How the camera saw each clock: clockwise rotation of 12 o'clock from image-up (deg), and mirror flags."""

    rotation_deg: np.ndarray  # (N,) float
    mirrored: np.ndarray  # (N,) bool
    # (N, 7, 2) ablab.clock.data.landmarks.LANDMARKS in normalized image coordinates
    landmarks: np.ndarray | None = None
    mirror_cue: np.ndarray | None = None  # (N,) bool: the dial shows a mirror image as one (numerals, writing)
    # (N, 5) the dial's ellipse normalized as the landmarks are: centre x, y in [−1, 1], half-axes in half-sides,
    # major axis angle in degrees clockwise from image-right, [0, 180) (ablab.clock.data.landmarks.normalized_ellipse)
    ellipse: np.ndarray | None = None

    def take(self, idx) -> Frame:
        pick = lambda a: None if a is None else a[idx]  # noqa: E731
        return Frame(self.rotation_deg[idx], self.mirrored[idx], pick(self.landmarks), pick(self.mirror_cue),
                     pick(self.ellipse))

    def flipped(self, flip) -> Frame:
        """The camera of the same images mirrored left-right where flip (N,) is True: rotation → −rotation, the
        mirror flag toggles, landmarks' and the ellipse's x → −x (the ellipse's angle → 180° − angle)."""
        flip = np.asarray(flip, bool)
        points = ellipse = None
        if self.landmarks is not None:
            points = self.landmarks.copy()
            points[flip, :, 0] *= -1.0
        if self.ellipse is not None:
            ellipse = self.ellipse.copy()
            ellipse[flip, 0] *= -1.0
            ellipse[flip, 4] = np.mod(180.0 - ellipse[flip, 4], 180.0)
        return Frame(np.where(flip, np.mod(-self.rotation_deg, 360.0), self.rotation_deg),
                     self.mirrored ^ flip, points, self.mirror_cue, ellipse)


@dataclass(frozen=True)
class ClockPart:
    """One split: uint8 images (N, S, S), int labels (N, 2), and the camera per image when known."""

    images: np.ndarray
    labels: np.ndarray
    frame: Frame | None = None

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx) -> ClockPart:
        return ClockPart(self.images[idx], self.labels[idx], None if self.frame is None else self.frame.take(idx))


@dataclass(frozen=True)
class ClockArrays:
    """The three splits of a clock data set (ablab.clock.data.dataset.load: 80/10/10 by seed)."""

    train: ClockPart
    valid: ClockPart
    test: ClockPart

"""Clock data: one set in memory is a dataset.ClockData, its splits a parts.ClockArrays of three ClockParts.
Generating sets (generate: images, labels, camera and landmark points, written beside each other), loading the
report's .npy format (dataset: the one loader and label check), the seven landmark points of a drawn clock
(landmarks), images into a reader's shape (images), splits in memory (parts: Frame, ClockPart, ClockArrays) and
generated sets cached under a data directory (sets).

May import ablab.clock.draw, never ablab.clock.read.
"""

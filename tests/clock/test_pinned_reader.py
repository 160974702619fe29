"""A reader saved before the clock package was split (draw/ → data/ → read/) reads exactly as it did then.

The fixture (tests/clock/fixtures/) is a tiny two-stage reader of the best reader's kind (a `landmarks` point reader,
clock-quick, then a small polar stage), trained for a few epochs on 200 `varied` 64-px clocks with the code of
commit 459b322; pinned_images.npy are 32 other `varied` clocks and pinned_readings.json what that code read on them
(`evaluate`'s path and `read`'s path agreed). Any change to how a reader reads shows here as a changed reading.
"""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_reader_saved_before_the_move_reads_the_pinned_images_as_it_did():
    from ablab.clock.read.reader import load_reader, read_images

    pinned = json.loads((FIXTURES / "pinned_readings.json").read_text())
    images = np.load(FIXTURES / "pinned_images.npy")
    # the first read, as before the move; added since: the dial finder looks again at dials it finds small, the
    # upright rule weighs the 12 (this barely trained reader's 12 is flat, so the rule alone would place it), and a
    # dial found tilted is read again rectified
    reader = replace(load_reader(FIXTURES / "pinned_reader.keras"), find_dial=False, upright_share=0.0,
                     rectify_tilted=False)
    assert reader.stage is not None and reader.views == (0.0,)  # the best reader's kind: points once, then polar
    labels, confidence = reader.read(images)  # `evaluate`, a trial's test scoring, the bench
    assert labels.tolist() == pinned["labels"]
    np.testing.assert_allclose(confidence, pinned["confidence"], atol=1e-5)
    readings = read_images(reader, list(images), ["x"] * len(images))  # `read`: one image at a time
    assert [[r.hour, r.minute] for r in readings] == pinned["labels"]
    np.testing.assert_allclose([r.confidence for r in readings], pinned["read_confidence"], atol=1e-5)

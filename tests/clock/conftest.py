import pytest

VARIED_SIZE = 64  # side of the small `varied` clocks the clock tests share


@pytest.fixture(scope="session")
def varied_part():
    """24 `varied` clocks at 64 px with their camera, landmarks and mirror cues (a ClockPart)."""
    from ablab.clock.data.generate import generate
    from ablab.clock.data.parts import ClockPart, Frame

    s = generate("varied", 24, size=VARIED_SIZE, seed=8, workers=1)
    return ClockPart(s.images, s.labels, Frame(s.rotation_deg, s.mirrored, s.landmarks, s.mirror_cue))

import pytest

VARIED_SIZE = 64  # side of the small `varied` clocks the clock tests share


@pytest.fixture(scope="session")
def varied_part():
    """24 `varied` clocks at 64 px with their camera, landmarks and mirror cues (a ClockPart)."""
    from ablab.clock.encodings import Frame
    from ablab.clock.generate import generate
    from ablab.clock.landmarks import replay_landmarks
    from ablab.clock.pipeline import ClockPart

    s = generate("varied", 24, size=VARIED_SIZE, seed=8, workers=1)
    points, _, _, cue = replay_landmarks("varied", 8, 24, VARIED_SIZE, with_cue=True)
    return ClockPart(s.images, s.labels, Frame(s.rotation_deg, s.mirrored, points, cue))

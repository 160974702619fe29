"""`ablab clock read --explain`: the picture shows the dial, the 12 and the hands where the read put them.

The geometry (explain_lines) is checked against hand-computed pixels, the drawing (explain_png) by the colours at
those pixels, and the read path by the pinned tiny reader (tests/clock/fixtures/): the directions it returns with a
reading give that reading, whichever of the first read, the dial finder or the search kept it. No training.
"""

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_reader import run_cli  # tests/clock is on sys.path (pytest prepend mode)

from ablab.clock.read.explain import (
    COLOURS, DISPLAY_PX, LINE_REACH, DialSeen, crop_frame, explain_lines, explain_png, write_explained,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _seen(centre=(0.0, 0.0), axes=(0.5, 0.5), axis_deg=0.0, minute_deg=90.0, hour_deg=0.0, twelve_deg=180.0):
    return DialSeen(np.array([centre], float), np.array([axes], float), np.radians([axis_deg]),
                    np.radians([[minute_deg, hour_deg, twelve_deg]]), np.array([False]))


def test_lines_of_a_circle_run_from_the_centre_toward_the_dial_edge_in_each_direction():
    lines = explain_lines(_seen(), 0, 150)
    centre = np.array([74.5, 74.5])  # normalized 0 at 150 px: pixel centres at integers
    np.testing.assert_allclose(lines["minute"], [centre, centre + [LINE_REACH["minute"] * 37.5, 0]], atol=1e-9)
    np.testing.assert_allclose(lines["hour"], [centre, centre + [0, -LINE_REACH["hour"] * 37.5]], atol=1e-9)
    np.testing.assert_allclose(lines["twelve"], [centre, centre + [0, 37.5]], atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(lines["dial"] - centre, axis=1), 37.5)


def test_an_ellipse_is_drawn_with_its_own_axes_and_turn():
    flat = explain_lines(_seen(centre=(0.2, -0.1), axes=(0.6, 0.3)), 0, 100)
    centre = np.array([59.5, 44.5])
    np.testing.assert_allclose(flat["minute"][1], centre + [LINE_REACH["minute"] * 30, 0], atol=1e-9)  # along x: 0.6
    np.testing.assert_allclose(flat["hour"][1], centre + [0, -LINE_REACH["hour"] * 15], atol=1e-9)  # along y: 0.3
    turned = explain_lines(_seen(axes=(0.6, 0.3), axis_deg=90.0), 0, 100)  # the long axis now points down
    np.testing.assert_allclose(turned["twelve"][1], [49.5, 49.5 + 30], atol=1e-9)
    d = turned["dial"] - 49.5  # every outline point lies on (y/30)² + (x/15)² = 1
    np.testing.assert_allclose((d[:, 1] / 30) ** 2 + (d[:, 0] / 15) ** 2, 1.0, atol=1e-9)


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_the_png_has_the_drawn_colours_at_the_lines_pixels():
    picture = np.full((150, 150), 128, np.uint8)
    seen = _seen(centre=(0.1, 0.05), axes=(0.7, 0.5), axis_deg=30.0, minute_deg=100.0, hour_deg=220.0,
                 twelve_deg=340.0)
    drawn = _png(explain_png(picture, seen, 0, "10:20  confidence 0.90"))
    assert drawn.shape == (DISPLAY_PX + 28, DISPLAY_PX, 3)
    lines = explain_lines(seen, 0, DISPLAY_PX)
    for name in ("minute", "hour", "twelve"):
        x, y = np.round(lines[name].mean(axis=0)).astype(int)  # the segment's middle
        assert tuple(drawn[y, x]) == COLOURS[name], name
    x, y = np.round(lines["dial"][len(lines["dial"]) // 8]).astype(int)
    assert tuple(drawn[y, x]) == COLOURS["dial"]
    assert tuple(drawn[5, 5]) == (128, 128, 128)  # away from every line: the picture itself
    assert drawn[DISPLAY_PX + 2 :].max() > 200  # the reading is written in the band underneath


def test_a_picture_without_a_measured_dial_shows_only_the_reading():
    drawn = _png(explain_png(np.full((40, 60), 90, np.uint8), None, 0, "03:00"))
    assert np.all(drawn[:DISPLAY_PX] == 90)


def test_crop_frame_is_where_crop_gray_cuts_and_uncropped_maps_a_dial_back():
    """A dot at a known place, found in crops (one moved by crop_gray to stay inside the picture), maps back."""
    from ablab.clock.data.images import crop_gray

    picture = np.zeros((120, 200), np.uint8)  # not square: normalized units are those of its 200-px square
    picture[70:74, 150:154] = 255  # pixel centre (151.5, 71.5) → square (151.5, 111.5) → normalized
    dot = np.array([(151.5 + 0.5) / 100 - 1, (111.5 + 0.5) / 100 - 1])
    for centre, half in (((0.5, 0.1), 0.3), ((0.9, 0.2), 0.4)):
        crop = crop_gray(picture, centre, half, 100).astype(float)
        ys, xs = np.nonzero(crop > 60)
        w = crop[ys, xs]
        found = np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])
        in_crop = (found + 0.5) / 50 - 1
        frame = crop_frame(np.array([centre]), [half], [200])
        seen = _seen(centre=in_crop, axes=(0.5, 0.5)).uncropped(*frame)
        np.testing.assert_allclose(seen.centre[0], dot, atol=0.01)
        np.testing.assert_allclose(seen.axes[0], 0.5 * frame[1][0])
    assert crop_frame(np.array([[0.9, 0.2]]), [0.4], [200])[0][0, 0] == pytest.approx(0.6)  # moved inside


def test_put_and_take_replace_rows():
    a = DialSeen.circle(np.zeros((3, 2)), np.ones(3), np.zeros((3, 3)), np.zeros(3, bool))
    b = DialSeen.circle(np.full((1, 2), 0.5), [0.2], np.full((1, 3), 1.0), [True])
    c = a.put([1], b)
    assert c.take([1]).mirrored.tolist() == [True] and c.axes[1].tolist() == [0.2, 0.2]
    assert a.mirrored.tolist() == [False] * 3 and len(c) == 3  # a copy: a is unchanged


@pytest.fixture(scope="module")
def pinned():
    from ablab.clock.read.reader import load_reader

    return load_reader(FIXTURES / "pinned_reader.keras"), np.load(FIXTURES / "pinned_images.npy")[:12]


@pytest.mark.parametrize("search", [False, True])
def test_the_directions_a_read_returns_give_its_reading(pinned, search):
    """Whether the first read, the dial finder or the search kept a reading, the DialSeen beside it is the one that
    reading was made from: its hands and 12 give that time."""
    from ablab.clock.read import polar
    from ablab.clock.read.polar_stage import PolarOptions

    reader, images = pinned
    reader = replace(reader, rectify_tilted=False)  # a rectified reading was read from the rectified directions
    if search:  # every reading is searched for (a threshold no confidence reaches)
        reader, images = reader.with_options(PolarOptions.searching(1.01)), images[:2]
    labels, confidence, seen = reader.read_seen(images)
    np.testing.assert_array_equal(labels, reader.read(images)[0])
    assert len(seen) == len(images) and np.all(seen.axes > 0)
    minute, hour, twelve = seen.angles_rad.T
    np.testing.assert_array_equal(polar.time_from_angles(minute, hour, twelve, seen.mirrored), labels)


def _files(tmp_path, images) -> list[Path]:
    files = []
    for k, image in enumerate(images):
        files.append(tmp_path / f"clock{k}.png")
        Image.fromarray(image).save(files[-1])
    return files


def test_read_explain_writes_one_picture_per_file_from_the_printed_reading(pinned, tmp_path, capsys):
    reader, images = pinned
    files = _files(tmp_path, images[:2])
    argv = ["clock", "read", *map(str, files), "--model", str(FIXTURES / "pinned_reader.keras"), "--store",
            str(tmp_path / "s.db")]
    code, plain, _ = run_cli(argv, capsys)
    code_explained, out, err = run_cli([*argv, "--explain", str(tmp_path / "seen")], capsys)
    assert code == code_explained == 0 and out == plain  # the printed readings do not change
    pngs = sorted((tmp_path / "seen").glob("*.png"))
    assert [p.name for p in pngs] == ["clock0.png", "clock1.png"] and "2 pictures" in err
    drawn = _png(pngs[0].read_bytes())
    assert (drawn == COLOURS["minute"]).all(axis=2).any() and (drawn == COLOURS["dial"]).all(axis=2).any()


def test_read_explain_with_a_bad_file_exits_2_naming_it_and_writes_nothing(pinned, tmp_path, capsys):
    files = _files(tmp_path, pinned[1][:1])
    bad = tmp_path / "broken.png"
    bad.write_text("not a picture")
    model = ["--model", str(FIXTURES / "pinned_reader.keras"), "--store", str(tmp_path / "s.db")]
    code, _, err = run_cli(["clock", "read", str(files[0]), str(bad), *model, "--explain", str(tmp_path / "x")], capsys)
    assert code == 2 and "broken.png" in err and not (tmp_path / "x").exists()
    (tmp_path / "taken").write_text("a file")
    code, _, err = run_cli(["clock", "read", str(files[0]), *model, "--explain", str(tmp_path / "taken")], capsys)
    assert code == 2 and "taken" in err


def test_write_explained_names_pictures_after_their_files(tmp_path):
    from ablab.clock.read.reader import Reading

    readings = [Reading(f"/a/{d}/clock.jpg", 3, 0, 0.9, seen=_seen()) for d in ("x", "y")]
    written = write_explained(tmp_path, [np.zeros((30, 30), np.uint8)] * 2, readings)
    assert [p.name for p in written] == ["clock.png", "clock-2.png"]
    assert all(p.stat().st_size > 0 for p in written)


def test_a_dial_read_again_rectified_is_drawn_as_the_ellipse_it_was_found_as(pinned):
    """Pinned image 11 is found tilted (its face an ellipse that agrees with the circle first read) and read surer
    rectified: its reading changes, and the dial it saw is that ellipse, mapped back into the picture."""
    from ablab.clock.read import ellipse

    reader, images = pinned
    plain = replace(reader, rectify_tilted=False)
    labels, confidence, seen = plain.read_seen(images)
    fit = ellipse.tilted_dial(images[11], seen.centre[11], seen.axes[11, 0])
    assert fit is not None and fit.axis_ratio < ellipse.TILTED_BELOW
    rect_labels, rect_confidence, rect_seen = reader.read_seen(images)
    assert rect_labels[11].tolist() != labels[11].tolist() and rect_confidence[11] >= confidence[11]
    assert rect_seen.axes[11, 1] / rect_seen.axes[11, 0] == pytest.approx(fit.axis_ratio)
    assert rect_seen.axis_rad[11] == pytest.approx(np.radians(fit.angle_deg))
    same = [i for i in range(len(images)) if ellipse.tilted_dial(images[i], seen.centre[i], seen.axes[i, 0]) is None]
    np.testing.assert_array_equal(rect_labels[same], labels[same])  # a dial not found tilted reads as before

import numpy as np
import pytest

from ablab.clock.read.tta import (
    TTA_ANGLES_DEG,
    aggregate_points,
    rotate_image,
    rotate_points,
    rotated_copies,
    tta_views,
    unrotate_points,
)

SIZE = 48


def dot_image(point, size: int = SIZE) -> np.ndarray:
    """A dark image with a bright 3×3 dot centred on a normalized point (x right, y down, edges at ±1)."""
    img = np.full((size, size), 20, np.uint8)
    col, row = ((np.asarray(point) + 1) / 2 * size).astype(int)
    img[row - 1 : row + 2, col - 1 : col + 2] = 255
    return img


def brightest_point(images: np.ndarray) -> np.ndarray:
    """float32 (B, S, S, 1) → (B, 1, 2): the normalized position of each image's brightest pixel (a fake reader)."""
    b, size = images.shape[0], images.shape[1]
    flat = images.reshape(b, -1).argmax(axis=1)
    rows, cols = np.divmod(flat, size)
    return np.stack([(2 * cols + 1) / size - 1, (2 * rows + 1) / size - 1], axis=-1)[:, None, :]


def test_rotate_points_turns_counter_clockwise_on_screen_and_unrotate_is_exact():
    right = np.array([1.0, 0.0])
    np.testing.assert_allclose(rotate_points(right, 90.0), [0.0, -1.0], atol=1e-12)  # y is down: up is −y
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (5, 7, 2))
    views = np.stack([rotate_points(points, a) for a in TTA_ANGLES_DEG], axis=1)  # (5, 8, 7, 2)
    back = unrotate_points(views, TTA_ANGLES_DEG)
    for j in range(len(TTA_ANGLES_DEG)):
        np.testing.assert_allclose(back[:, j], points, atol=1e-12)


def test_rotated_copies_move_a_dot_where_rotate_points_says():
    point = np.array([0.5, -0.25])
    copies = rotated_copies(dot_image(point)[None])
    assert copies.shape == (len(TTA_ANGLES_DEG), SIZE, SIZE) and copies.dtype == np.uint8
    found = brightest_point(copies.astype(np.float32)[..., None])[:, 0]
    expected = np.stack([rotate_points(point, a) for a in TTA_ANGLES_DEG])
    assert np.abs(found - expected).max() < 2.5 * 2 / SIZE  # within 2.5 px (bilinear resampling of a 3-px dot)


def test_quarter_turns_are_exact_and_agree_with_resampling():
    from PIL import Image

    img = np.random.default_rng(1).integers(0, 256, (SIZE, SIZE)).astype(np.uint8)
    pil = np.asarray(Image.fromarray(img).rotate(90.0, resample=Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(rotate_image(img, 90.0), pil)
    np.testing.assert_array_equal(rotate_image(rotate_image(img, 270.0), 90.0), img)


def test_corners_are_filled_with_the_border_gray():
    img = np.full((SIZE, SIZE), 180, np.uint8)
    img[10:-10, 10:-10] = 30
    turned = rotate_image(img, 45.0)
    assert turned[0, 0] == 180 and turned[-1, -1] == 180 and turned[SIZE // 2, SIZE // 2] == 30


def test_median_aggregate_ignores_a_fooled_view():
    rng = np.random.default_rng(2)
    truth = rng.uniform(-0.5, 0.5, (3, 7, 2))
    views = truth[:, None] + rng.normal(0, 0.01, (3, 8, 7, 2))
    views[:, 5] = -truth  # one view sees the dial upside down
    assert np.abs(aggregate_points(views) - truth).max() < 0.05


@pytest.mark.parametrize("chunk", [1, 2, 32])
def test_tta_views_find_the_dot_with_one_batch_per_chunk(chunk):
    points = np.array([[0.3, 0.4], [-0.5, 0.1], [0.0, -0.6]])
    images = np.stack([dot_image(p) for p in points])
    batches = []

    def predict(x):
        batches.append(len(x))
        return brightest_point(x)

    views = tta_views(predict, images, chunk=chunk)  # turned back: every view finds the dot where it is
    assert views.shape == (3, len(TTA_ANGLES_DEG), 1, 2)
    np.testing.assert_allclose(views[:, :, 0], np.repeat(points[:, None], len(TTA_ANGLES_DEG), 1), atol=2.5 * 2 / SIZE)
    assert batches == [len(TTA_ANGLES_DEG) * min(chunk, 3 - i) for i in range(0, 3, chunk)]


def test_landmark_reader_reads_with_tta_and_agrees_with_evaluate(tmp_path):
    """An untrained point reader: `read` (8 copies in one batch per image) and a read of all images at once give
    the same times, and `evaluate` (train.evaluate_reader, what `clock evaluate` and a trial's test scoring call)
    scores exactly those readings, against any labels; a one-view Reader reads too."""
    from PIL import Image

    from ablab.clock.read.metrics import summarize
    from ablab.clock.read.networks import build_clock_model
    from ablab.clock.read.reader import Reader, load_reader, read_files
    from ablab.clock.read.train import evaluate_reader

    path = tmp_path / "lm.keras"
    build_clock_model("clock-quick", 64, "landmarks").save(path)
    reader = load_reader(path)
    images = np.random.default_rng(3).integers(0, 256, (6, 64, 64)).astype(np.uint8)
    files = []
    for i, img in enumerate(images):
        Image.fromarray(img).save(tmp_path / f"{i}.png")
        files.append(tmp_path / f"{i}.png")
    readings = read_files(reader, files)
    assert reader.views == TTA_ANGLES_DEG and reader.stage is None
    labels, _ = reader.read(images)
    read_labels = np.array([(r.hour, r.minute) for r in readings])
    assert read_labels.tolist() == labels.tolist()
    once, _ = Reader(reader.net, reader.encoding).read(images)
    assert once.shape == labels.shape
    truth = np.random.default_rng(4).integers(0, [12, 60], (6, 2))  # any clock times: both score the same readings
    assert evaluate_reader(reader, images, truth) == summarize(truth, read_labels)
    assert evaluate_reader(reader, images, read_labels)["mean_cse_min"] == 0.0


def test_view_geometry_tells_mirror_images_and_the_12_direction():
    from ablab.clock.data.generate import generate
    from ablab.clock.read.tta import view_geometry

    s = generate("varied", 40, size=150, seed=21, workers=1)
    points, rotation_deg, mirrored = s.landmarks, s.rotation_deg, s.mirrored
    twelve_rad, seen_mirrored = view_geometry(points)
    assert mirrored.any() and not mirrored.all()
    np.testing.assert_array_equal(seen_mirrored, mirrored)
    gap_deg = np.degrees(np.abs(np.angle(np.exp(1j * (twelve_rad - np.radians(rotation_deg))))))
    assert np.median(gap_deg) < 5  # the camera's rotation turns the 12 (tilt moves it a little)


def test_vote_drops_views_with_another_12_or_mirror_side():
    from ablab.clock.data.generate import generate
    from ablab.clock.read.tta import agreeing_views

    points = generate("varied", 4, size=150, seed=21, workers=1).landmarks.astype(np.float64)
    views = np.repeat(points[:, None], 8, axis=1)
    views[:, 2] = rotate_points(points, 90.0)  # this view's whole dial (so its 12) is a quarter turn off
    views[:, 6, [4, 6]] = views[:, 6, [6, 4]]  # this one swaps the 3 and the 9: a mirror image
    chosen = agreeing_views(views)
    assert not chosen[:, [2, 6]].any() and chosen[:, [0, 1, 3, 4, 5, 7]].all()
    np.testing.assert_allclose(aggregate_points(views), points, atol=1e-9)

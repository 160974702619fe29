"""Pictures into a reader's frame: non-square pictures squared on their border gray, and the dial finder's cut."""

import numpy as np

from ablab.clock.data.images import crop_gray, resize_gray, square_gray


def test_square_gray_centres_a_wide_picture_on_its_border_gray():
    wide = np.full((20, 40), 90, np.uint8)
    wide[5:15, 15:25] = 255
    square = square_gray(wide)
    assert square.shape == (40, 40) and square[0, 0] == 90 and square[20, 20] == 255
    assert resize_gray(wide, 10).shape == (10, 10)


def test_crop_cuts_the_square_around_a_normalized_centre_from_the_full_picture():
    picture = np.zeros((400, 400), np.uint8)
    picture[300:340, 60:100] = 255  # a 40-px patch centred at (80, 320) px: normalized (−0.6, 0.6)
    crop = crop_gray(picture, (-0.6, 0.6), 0.1, 40)  # reaching 0.1 of the half side: 20 px each way
    assert crop.shape == (40, 40) and crop[5:35, 5:35].min() > 200  # the patch fills it, at full resolution


def test_crop_moves_inside_the_picture_rather_than_cutting_it():
    picture = np.zeros((100, 100), np.uint8)
    picture[:, :50] = 255  # the left half white
    crop = crop_gray(picture, (-1.0, 0.0), 0.5, 50)  # centred on the left edge: moved right to x ∈ [0, 50] px
    assert crop.shape == (50, 50) and crop[:, :45].min() > 200
    assert np.array_equal(crop_gray(picture, (0.3, 0.3), 2.0, 100), picture)  # reaching beyond: the whole picture

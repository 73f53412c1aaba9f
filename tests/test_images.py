import numpy as np
import pytest

from ganzoo.images import image_grid, samples_picture, scatter_plot, to_uint8


def test_to_uint8_maps_minus_one_to_zero_and_one_to_255():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0, 3.0])), [0, 128, 255, 255])


def test_grid_places_images_row_by_row():
    images = np.stack([np.full((2, 2, 1), value) for value in (-1.0, 1.0, 1.0)])
    grid = image_grid(images, columns=2, padding=1)
    assert grid.shape == (7, 7, 1)
    assert grid[1, 1, 0] == 0 and grid[1, 4, 0] == 255 and grid[4, 1, 0] == 255 and grid[4, 4, 0] == 0


def test_scatter_draws_samples_over_reference_and_refuses_other_shapes():
    picture = scatter_plot(np.array([[0.0, 0.0]]), reference=np.array([[-1.0, -1.0], [1.0, 1.0]]), size=11,
                           bounds=(-1.0, 1.0))
    assert tuple(picture[5, 5]) == (200, 30, 30)  # the sample, in the centre
    assert tuple(picture[10, 0]) == (170, 170, 170) and tuple(picture[0, 10]) == (170, 170, 170)
    with pytest.raises(ValueError, match=r"Received: shape \(3, 5\)"):
        samples_picture(np.zeros((3, 5)))

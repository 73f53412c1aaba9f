import numpy as np
import pytest

from ganzoo.images import image_grid, reconstruction_plot, samples_picture, scatter_plot, to_uint8


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


def test_reconstruction_plot_joins_each_point_to_its_reconstruction():
    points = np.array([[-1.0, 0.0], [1.0, 0.0]], np.float32)
    exact = reconstruction_plot(points, points, size=64, bounds=(-2.0, 2.0))
    assert not np.any(np.all(exact == (120, 160, 230), axis=-1))  # perfect inversion: no lines
    moved = reconstruction_plot(points, points + [0.0, 1.0], size=64, bounds=(-2.0, 2.0))
    blue_rows, blue_columns = np.nonzero(np.all(moved == (120, 160, 230), axis=-1))
    assert set(blue_columns) == {16, 47} and set(blue_rows) == set(range(17, 32))  # a vertical line up from each x
    assert np.all(moved[32, 16] == (120, 120, 120)) and np.all(moved[16, 16] == (200, 30, 30))  # x, then G(E(x))
    with pytest.raises(ValueError, match="one shape"):
        reconstruction_plot(points, points[:1])

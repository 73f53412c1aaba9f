"""L1 and PSNR per image, computed by hand."""

import numpy as np
import pytest

from ganzoo.metrics.translation import MSE_FLOOR, colourfulness, l1_error, psnr, summary


def test_l1_and_psnr_by_hand():
    targets = np.zeros((2, 2, 2, 1), np.float32)
    outputs = targets.copy()
    outputs[0] = 0.5  # every pixel off by 0.5 in [-1, 1] units = 0.25 on [0, 1]
    outputs[1, 0, 0, 0] = -1.0  # one pixel of four off by 1.0 (0.5 on [0, 1])
    np.testing.assert_allclose(l1_error(outputs, targets), [0.5, 0.25])
    np.testing.assert_allclose(psnr(outputs, targets), [10 * np.log10(1 / 0.0625), 10 * np.log10(1 / (0.25 / 4))])
    assert psnr(targets, targets)[0] == pytest.approx(10 * np.log10(1 / MSE_FLOOR))
    result = summary([1.0, 2.0, 3.0])
    assert result == {"value": 2.0, "std_error": pytest.approx(1 / np.sqrt(3)), "n": 3}
    with pytest.raises(ValueError, match="one shape"):
        l1_error(np.zeros((1, 2, 2, 1)), np.zeros((1, 2, 2, 3)))


def test_colourfulness_by_hand():
    grey = np.zeros((1, 4, 4, 3))
    assert colourfulness(grey)[0] == 0
    red = np.full((1, 4, 4, 3), -1.0)
    red[..., 0] = 1.0  # pure red: rg = 255, yb = 127.5 everywhere, no spread
    np.testing.assert_allclose(colourfulness(red), 0.3 * np.hypot(255, 127.5))
    halves = np.zeros((1, 2, 2, 3))
    halves[0, 0, :, 0], halves[0, 1, :, 0] = 1.0, -1.0  # rg alternates +-127.5 and yb +-63.75 around 0
    np.testing.assert_allclose(colourfulness(halves), np.hypot(127.5, 63.75))
    with pytest.raises(ValueError, match="Expected RGB images"):
        colourfulness(np.zeros((1, 4, 4, 1)))

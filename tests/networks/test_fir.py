"""FIR resampling against scipy.signal.upfirdn, applied along H then W."""

import numpy as np
import pytest
import scipy.signal

from ganzoo.networks import fir


def reference_upfirdn2d(x, taps, up, down, padding, gain):
    """The official upfirdn2d from scipy's 1D upfirdn: zero-insert by `up` (the upsampled axis has
    side * up samples), pad (before, after), true convolution with taps / sum(taps) * sqrt(gain) along
    each axis, keep every `down`-th sample."""
    taps = np.asarray(taps, np.float64)
    taps = taps / taps.sum() * np.sqrt(gain)
    before, after = padding
    length = len(taps)

    def along(axis, array):
        def one(signal):
            # scipy's full convolution of the upsampled signal ((n - 1) * up + 1 samples): index i of the
            # full output is the official output at i - (length - 1) + before
            full = scipy.signal.upfirdn(taps, signal, up=up)
            full = np.concatenate([full, np.zeros(up - 1)])  # the official upsampled length is n * up
            size = len(signal) * up + before + after - length + 1
            offset = length - 1 - before
            padded = np.concatenate([np.zeros(max(-offset, 0)), full, np.zeros(length + abs(after) + up)])
            start = max(offset, 0)
            return padded[start:start + size][::down]
        return np.apply_along_axis(one, axis, array)

    return along(2, along(1, x.astype(np.float64)))


@pytest.mark.parametrize("up,down,padding,gain", [
    (1, 1, (1, 2), 1.0),
    (2, 1, fir.upsampling_padding([1] * 4, 2), 4.0),
    (1, 2, fir.downsampling_padding([1] * 4, 2), 1.0),
    (1, 1, (-1, 0), 2.0),  # a negative pad crops
    (2, 1, (3, 2), 4.0),
])
def test_upfirdn2d_matches_scipy_with_an_asymmetric_filter(up, down, padding, gain):
    rng = np.random.default_rng(0)
    taps = rng.uniform(0.1, 1.0, size=4)  # asymmetric: a flipped kernel would not match
    assert not np.allclose(taps, taps[::-1])
    x = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    expected = reference_upfirdn2d(x, taps, up, down, padding, gain)
    got = np.asarray(fir.upfirdn2d(x, taps, up=up, down=down, padding=padding, gain=gain))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_upsample_and_downsample_change_the_side_exactly_and_keep_dc_gain():
    constant = np.full((1, 8, 8, 2), 0.7, np.float32)
    up = np.asarray(fir.upsample2d(constant))
    down = np.asarray(fir.downsample2d(constant))
    assert up.shape == (1, 16, 16, 2) and down.shape == (1, 4, 4, 2)
    # away from the zero-padded border a constant image stays the same constant
    np.testing.assert_allclose(up[:, 3:-3, 3:-3], 0.7, rtol=1e-6)
    np.testing.assert_allclose(down[:, 1:-1, 1:-1], 0.7, rtol=1e-6)
    assert np.isclose(fir.filter_1d().sum(), 1.0)


def test_filter_refuses_zero_sum_taps():
    with pytest.raises(ValueError, match="non-zero sum"):
        fir.filter_1d([1, -1])

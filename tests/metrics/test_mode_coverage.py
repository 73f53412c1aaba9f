"""The PacGAN mode-coverage protocol on samples whose answer is known."""

import math

import numpy as np
import pytest

from ganzoo.data import MIXTURES
from ganzoo.metrics import mode_coverage


@pytest.mark.parametrize("name, modes", [("ring", 8), ("grid", 25)])
def test_true_samples_cover_every_mode_with_high_quality(name, modes):
    mixture = MIXTURES[name]
    result = mode_coverage(mixture.sample(2500, seed=1)[0], mixture)
    assert result["modes_captured"] == modes and result["num_samples"] == 2500
    # P(|N(0, s^2 I_2)| <= 3 s) = 1 - exp(-9/2) = 0.9889
    assert result["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.006)
    assert result["reverse_kl"] < 0.02


def test_collapse_to_one_mode_and_to_half_the_modes():
    ring = MIXTURES["ring"]
    one = mode_coverage(np.repeat(ring.means[:1], 100, axis=0), ring)
    assert one["modes_captured"] == 1 and one["reverse_kl"] == pytest.approx(math.log(8))
    half = mode_coverage(np.repeat(ring.means[::2], 50, axis=0), ring)
    assert half["modes_captured"] == 4 and half["reverse_kl"] == pytest.approx(math.log(2))


def test_quality_threshold_is_three_sigma_of_the_nearest_mode():
    ring = MIXTURES["ring"]
    inside = ring.means[0] + [0.029, 0.0]
    outside = ring.means[0] + [0.031, 0.0]
    result = mode_coverage(np.stack([inside, outside]), ring)
    assert result["high_quality_fraction"] == 0.5 and result["modes_captured"] == 1


def test_no_high_quality_sample_gives_infinite_reverse_kl_and_bad_shape_is_refused():
    result = mode_coverage(np.zeros((10, 2)), MIXTURES["ring"])
    assert result["modes_captured"] == 0 and math.isinf(result["reverse_kl"])
    with pytest.raises(ValueError, match=r"Received: shape \(10, 3\)"):
        mode_coverage(np.zeros((10, 3)), MIXTURES["ring"])

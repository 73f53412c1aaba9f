"""Metric maths against independent computations and closed forms."""

import numpy as np
import pytest
import scipy.linalg

from ganzoo.metrics.feature_statistics import (frechet_distance, frechet_distance_from_moments,
                                               kernel_inception_distance, polynomial_kernel,
                                               precision_recall, unbiased_mmd2)


def test_frechet_matches_scipy_sqrtm_on_random_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * np.real(scipy.linalg.sqrtm(s1 @ s2)))
    assert frechet_distance_from_moments(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)


def test_frechet_of_shifted_gaussians_is_the_closed_form():
    # N(0, I) vs N(delta, 4 I) in d dims: |delta|^2 + d (1 + 4 - 2 * 2) = |delta|^2 + d
    rng = np.random.default_rng(1)
    d, delta = 3, np.array([1.0, 2.0, 0.0])
    real = rng.normal(size=(200_000, d))
    fake = delta + 2.0 * rng.normal(size=(200_000, d))
    value, n_real, n_fake = frechet_distance(real, fake)
    assert value == pytest.approx(5.0 + d, rel=0.01) and n_real == n_fake == 200_000


def test_frechet_of_a_set_with_itself_is_zero_and_small_n_warns():
    x = np.random.default_rng(2).normal(size=(50, 4))
    assert frechet_distance(x, x)[0] == pytest.approx(0.0, abs=1e-8)
    with pytest.warns(UserWarning, match="fewer samples"):
        frechet_distance(x[:3], x[3:6])
    with pytest.raises(ValueError, match=r"same dimension. Received: 4 and 2"):
        frechet_distance(x, x[:, :2])


def test_unbiased_mmd_matches_brute_force_double_sum():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.normal(1.0, 1.0, size=(5, 3))
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / (6 * 5)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(5)) / (6 * 5)
    assert unbiased_mmd2(x, y, polynomial_kernel) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(4)
    a, b, shifted = rng.normal(size=(400, 8)), rng.normal(size=(400, 8)), rng.normal(0.5, 1, size=(400, 8))
    same_mean, same_std, size = kernel_inception_distance(a, b, subsets=20, subset_size=200)
    assert size == 200 and abs(same_mean) < 3 * same_std + 1e-3
    different_mean, _, _ = kernel_inception_distance(a, shifted, subsets=20, subset_size=200)
    assert different_mean > 10 * abs(same_mean) and different_mean > 0.05


def test_precision_recall_separates_quality_from_coverage():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(500, 2))
    collapsed = 0.1 * rng.normal(size=(500, 2))  # inside the data, covering a small part of it
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.95 and recall < 0.3
    far = rng.normal(size=(500, 2)) + 10.0
    assert precision_recall(real, far) == (0.0, 0.0)

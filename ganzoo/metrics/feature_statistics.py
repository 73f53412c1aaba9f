"""Distances between two sets of features, independent of the feature extractor.

- Frechet distance (Heusel et al. 2017): ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)). Biased
  upwards for small N; with fewer samples than feature dimensions the covariances are singular and
  the number means little (a warning says so).
- Kernel distance, KID (Binkowski et al. 2018): the unbiased MMD^2 estimate with the cubic polynomial
  kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets; unbiased, so two sets from one
  distribution give values scattered around 0 (slightly negative values are expected).
- Precision and recall (Kynkaanniemi et al. 2019): a point is inside the other set's manifold when it
  lies within the k-th nearest-neighbour radius (k = 3) of one of that set's points.

Every function checks its inputs and reports N.
"""

import warnings

import numpy as np


def _features(name, x, min_samples=2):
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or len(x) < min_samples:
        raise ValueError(f"{name} must be features of shape (n, dimensions) with n >= {min_samples}. "
                         f"Received: shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _pair(real, fake, min_samples=2):
    real, fake = _features("real", real, min_samples), _features("fake", fake, min_samples)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features must have the same dimension. Received: {real.shape[1]} and "
                         f"{fake.shape[1]}")
    return real, fake


def _psd_sqrt(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance_from_moments(mu_1, sigma_1, mu_2, sigma_2):
    """Frechet distance between Gaussians N(mu_1, sigma_1) and N(mu_2, sigma_2).

    Tr((S1 S2)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric
    matrix S1^(1/2) S2 S1^(1/2), which has the same spectrum and avoids a non-symmetric sqrtm."""
    root_1 = _psd_sqrt(np.asarray(sigma_1, np.float64))
    middle = root_1 @ np.asarray(sigma_2, np.float64) @ root_1
    trace_sqrt = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    difference = np.asarray(mu_1, np.float64) - np.asarray(mu_2, np.float64)
    return float(difference @ difference + np.trace(sigma_1) + np.trace(sigma_2) - 2 * trace_sqrt)


def frechet_distance(real, fake):
    """Frechet distance between the Gaussians fitted to two feature sets; returns (value, n_real, n_fake)."""
    real, fake = _pair(real, fake)
    dimensions = real.shape[1]
    if min(len(real), len(fake)) < dimensions:
        warnings.warn(f"Frechet distance on fewer samples ({min(len(real), len(fake))}) than feature dimensions "
                      f"({dimensions}): the covariances are singular and the value is strongly biased; "
                      "prefer the kernel distance (KID)", stacklevel=2)
    value = frechet_distance_from_moments(real.mean(0), np.cov(real, rowvar=False),
                                          fake.mean(0), np.cov(fake, rowvar=False))
    return value, len(real), len(fake)


def polynomial_kernel(x, y):
    """k(x, y) = (x . y / d + 1)^3, the KID kernel."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def unbiased_mmd2(real, fake, kernel=polynomial_kernel):
    """The unbiased estimate of MMD^2 between two samples (Gretton et al. 2012, eq. 3)."""
    m, n = len(real), len(fake)
    k_rr, k_ff, k_rf = kernel(real, real), kernel(fake, fake), kernel(real, fake)
    return float((k_rr.sum() - np.trace(k_rr)) / (m * (m - 1)) + (k_ff.sum() - np.trace(k_ff)) / (n * (n - 1))
                 - 2 * k_rf.mean())


def kernel_inception_distance(real, fake, *, subsets=100, subset_size=1000, seed=0):
    """KID: the mean and standard deviation of unbiased MMD^2 over `subsets` random subsets of
    min(subset_size, n) points of each set. Returns (mean, std, subset_size_used)."""
    real, fake = _pair(real, fake)
    size = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    values = [unbiased_mmd2(real[rng.choice(len(real), size, replace=False)],
                            fake[rng.choice(len(fake), size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values)), size


def _kth_neighbour_radii(points, k):
    distances = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself


def _coverage(points, reference, radii):
    distances = np.linalg.norm(points[:, None, :] - reference[None, :, :], axis=-1)
    return float(np.mean(np.any(distances <= radii[None, :], axis=1)))


def precision_recall(real, fake, *, k=3):
    """(precision, recall): the fraction of fake points inside the real manifold and of real points
    inside the fake manifold, manifolds being unions of k-NN balls. Memory is O(n^2)."""
    real, fake = _pair(real, fake, min_samples=k + 1)
    precision = _coverage(fake, real, _kth_neighbour_radii(real, k))
    recall = _coverage(real, fake, _kth_neighbour_radii(fake, k))
    return precision, recall

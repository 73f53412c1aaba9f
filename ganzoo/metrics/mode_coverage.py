"""Mode coverage on 2D Gaussian mixtures, as in PacGAN (Lin et al. 2018, section 5.1).

A sample is high quality when it lies within 3 sigma of its nearest mode. Modes captured: modes with at
least one high-quality sample. Reverse KL: sum_m p(m) log(p(m) M) over the histogram p of the
high-quality samples' nearest modes (M modes, uniform target); empty bins contribute 0.
"""

import numpy as np

from ganzoo.data.mixtures import GaussianMixture2D


def mode_coverage(samples, mixture: GaussianMixture2D, *, threshold_sigmas=3.0):
    """Returns {"modes_captured", "high_quality_fraction", "reverse_kl", "num_samples", "num_modes"}."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"mode_coverage expects 2D points of shape (n, 2) with n >= 1. Received: shape {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - mixture.means[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= threshold_sigmas * mixture.sigma
    counts = np.bincount(nearest[high_quality], minlength=mixture.num_modes)
    if counts.sum() > 0:
        p = counts / counts.sum()
        nonzero = p > 0
        reverse_kl = float(np.sum(p[nonzero] * np.log(p[nonzero] * mixture.num_modes)))
    else:
        reverse_kl = float("inf")  # no high-quality sample: the histogram is undefined
    return {
        "modes_captured": int(np.count_nonzero(counts)),
        "high_quality_fraction": float(high_quality.mean()),
        "reverse_kl": reverse_kl,
        "num_samples": int(len(samples)),
        "num_modes": int(mixture.num_modes),
    }

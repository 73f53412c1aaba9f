"""The 2D Gaussian mixtures of the mode-collapse literature (Metz et al. 2017; Lin et al. 2018).

ring: 8 modes at (cos 2 pi i / 8, sin 2 pi i / 8), sigma 0.01.
grid: 25 modes at {-4, -2, 0, 2, 4}^2, sigma 0.05.
Both mixtures weight their modes equally. Points are returned in data coordinates (not rescaled).
"""

from typing import NamedTuple

import numpy as np


class GaussianMixture2D(NamedTuple):
    """An equally weighted mixture of isotropic 2D Gaussians."""

    name: str
    means: np.ndarray  # (modes, 2)
    sigma: float

    @property
    def num_modes(self):
        return len(self.means)

    def sample(self, n, seed=0):
        """`n` points (float32, shape (n, 2)) and the index of the mode each came from."""
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=n)
        points = self.means[modes] + self.sigma * rng.standard_normal((n, 2))
        return points.astype(np.float32), modes


def _ring():
    angles = 2 * np.pi * np.arange(8) / 8  # not linspace(0, 2 pi, 8), which repeats the first mode
    return GaussianMixture2D("ring", np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01)


def _grid():
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return GaussianMixture2D("grid", np.array([(x, y) for x in axis for y in axis]), 0.05)


MIXTURES = {"ring": _ring(), "grid": _grid()}

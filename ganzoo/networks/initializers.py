"""Seeded weight initialisers, so that a network's initial weights follow from one integer seed.

Keras initialisers given an integer seed return the same values on every call, so each layer needs a
seed of its own: `InitializerSeeds` hands out a fresh one per layer, derived from the network's seed.
"""

import keras


class InitializerSeeds:
    """Creates initialisers whose seeds are `seed`, `seed + stride`, ... (unseeded when `seed` is None).
    A `stride` above 1 leaves room for layers that derive several seeds of their own (seed + 1, ...)."""

    def __init__(self, seed=None, stride=1):
        self._next_seed = seed
        self._stride = stride

    def _seed(self):
        if self._next_seed is None:
            return None
        seed, self._next_seed = self._next_seed, self._next_seed + self._stride
        return seed

    def next_seed(self):
        """A fresh integer seed (for layers with randomness of their own, such as dropout), or None."""
        return self._seed()

    def normal(self, stddev, mean=0.0):
        return keras.initializers.RandomNormal(mean=mean, stddev=stddev, seed=self._seed())

    def glorot_uniform(self):
        return keras.initializers.GlorotUniform(seed=self._seed())

"""Penalties that need their own gradient tape. Pure functions of a network
and tensors; they import nothing else from ganzoo."""

from ganzoo.regularizers.gradient_penalty import gradient_penalty, interpolate, path_lengths, r1_penalty  # noqa: F401

"""Measurements of generated samples. See each module for the protocol it follows."""

from ganzoo.metrics.mode_coverage import mode_coverage  # noqa: F401

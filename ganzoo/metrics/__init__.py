"""Measurements of generated samples. See each module for the protocol it follows."""

from ganzoo.metrics.density_ratio import calibration_error, gan_value, jsd_from_value, log_density_ratio  # noqa: F401
from ganzoo.metrics.mode_coverage import mode_coverage  # noqa: F401
from ganzoo.metrics.feature_statistics import (  # noqa: F401,E402
    frechet_distance,
    kernel_inception_distance,
    precision_recall,
)
from ganzoo.metrics.representation import nearest_neighbour_accuracy  # noqa: F401,E402
from ganzoo.metrics.translation import l1_error, psnr  # noqa: F401,E402

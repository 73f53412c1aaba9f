"""Mode coverage on the 2D Gaussian mixtures (the PacGAN protocol, Lin et al. 2018)."""

from ganzoo.data import MIXTURES
from ganzoo.errors import DataError
from ganzoo.metrics import mode_coverage

MODE_KEYS = ("modes_captured", "high_quality_fraction", "reverse_kl")


def mode_rows(model, names, request):
    name = request.training_data["name"]
    if name not in MIXTURES:
        raise DataError(f"modes needs a 2D mixture {sorted(MIXTURES)}. Received: data {name!r}")
    result = mode_coverage(request.generate(model), MIXTURES[name])
    return [{"metric": key, "value": result[key], "n_fake": request.n, "feature_extractor": None,
             "note": f"{name} mixture, PacGAN protocol"} for key in MODE_KEYS]

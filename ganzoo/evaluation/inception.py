"""FID and KID in InceptionV3 pool features, against the run's training images (Heusel et al. 2017;
Binkowski et al. 2018). The ImageNet weights come from the Keras cache, or a network that answers
unless GANZOO_OFFLINE=1."""

from ganzoo import data as ganzoo_data
from ganzoo.data.sources import network_reachable, offline
from ganzoo.errors import DataError
from ganzoo.metrics.feature_statistics import frechet_distance, kernel_inception_distance
from ganzoo.metrics.inception import InceptionFeatures


def inception_rows(model, names, request):
    if len(model.sample_shape) != 3:
        raise DataError(f"fid/kid need images. Received: samples of shape {model.sample_shape}")
    n, seed, data_name = request.n, request.seed, request.training_data["name"]
    extractor = InceptionFeatures(allow_download=not offline() and network_reachable())
    real, _ = ganzoo_data.load_arrays(data_name, split="train", image_size=model.sample_shape[0], limit=n)
    real_features, fake_features = extractor.features(real), extractor.features(request.generate(model))
    rows = []
    if "fid" in names:
        value, n_real, n_fake = frechet_distance(real_features, fake_features)
        rows.append({"metric": "fid", "value": value, "n_fake": n_fake, "n_real": n_real})
    if "kid" in names:
        value, std, size = kernel_inception_distance(real_features, fake_features, seed=seed)
        rows.append({"metric": "kid", "value": value, "std": std, "subset_size": size, "n_fake": n,
                     "n_real": len(real_features)})
    for row in rows:
        row.update(feature_extractor="InceptionV3 imagenet pool3, uint8-quantised, bilinear 299",
                   note=f"vs the {data_name} train split")
    return rows

"""Held-out data for pictures, monitors and evaluation: the examples a model did not train on, drawn
the same way every time (fixed seeds), and loaded before training so that nothing fails after it."""

from ganzoo import data as ganzoo_data
from ganzoo.errors import DataError
from ganzoo.pictures import SAMPLE_SEED


def held_out_examples(data_config, n=8):
    """The first `n` examples of a translation config's held-out split ("test", else "val", else the
    training split itself, as pix2pix's edges2shoes ships only train and val), for progress pictures."""
    for split in ("test", "val", "train"):
        try:
            return ganzoo_data.translation.held_out_pairs(data_config["name"], image_size=data_config["image_size"],
                                                          reverse=data_config["reverse"], limit=n, split=split)
        except DataError:
            if split == "train":
                raise


def held_out_labelled(data_name, sample_shape, n, seed):
    """(reference, reference labels, query, query labels) for a model of samples `sample_shape`: the
    digits train and test splits, or for a 2D mixture n points each (labels: the mode), seeds apart."""
    if data_name in ganzoo_data.MIXTURES and tuple(sample_shape) == (2,):
        mixture = ganzoo_data.MIXTURES[data_name]
        return (*mixture.sample(n, seed=seed + 1), *mixture.sample(n, seed=seed))
    if data_name == "digits" and len(sample_shape) == 3:
        return (*ganzoo_data.load_arrays("digits", split="train", image_size=sample_shape[0]),
                *ganzoo_data.load_arrays("digits", split="test", image_size=sample_shape[0]))
    raise DataError(f"BiGAN metrics need held-out digits or a 2D mixture {sorted(ganzoo_data.MIXTURES)}. "
                    f"Received: data {data_name!r} for samples of shape {tuple(sample_shape)}")


def reconstruction_inputs(data_name, sample_shape, n=500, seed=SAMPLE_SEED):
    """Held-out inputs for a BiGAN's reconstruction picture (digits test split, or n fresh 2D points);
    None for data without a held-out set (the run then has no reconstruction picture)."""
    try:
        return held_out_labelled(data_name, sample_shape, n, seed)[2]
    except DataError:
        return None


def reference_points(data_name, n=2500):
    """n points of a 2D mixture, drawn behind samples in scatter pictures; None for other data."""
    if data_name in ganzoo_data.MIXTURES:
        return ganzoo_data.MIXTURES[data_name].sample(n, seed=SAMPLE_SEED)[0]
    return None

"""`tf.data` pipelines. Every image leaves as float32 NHWC in [-1, 1]; 2D points in data coordinates.

`load(name, batch_size=...)` resolves `name` as, in order: a built-in offline set (`digits`, `ring`,
`grid`), translation pairs (`colorize`, `edges2digits`, `digits-negative`, `paired:PATH`,
`unpaired:PATH`, tfds `cycle_gan/*`; see `translation.py`), a path (an `.npz` file or a folder of
images), or a tensorflow-datasets name (optionally written `tfds:NAME`).
"""

import os

import tensorflow as tf

from ganzoo.data import sources
from ganzoo.data.arrays import make_dataset
from ganzoo.data.mixtures import MIXTURES, GaussianMixture2D  # noqa: F401
from ganzoo.data.translation import OFFLINE_PAIRS, ImagePairs, load_pairs, pair_kind  # noqa: F401
from ganzoo.data import translation
from ganzoo.errors import DataError

BUILTIN = ("digits", "ring", "grid", *OFFLINE_PAIRS)


def load_arrays(name, *, split="train", image_size=None, limit=None, **options):
    """(features, labels) numpy arrays of a source (built-in set, .npz file, folder, or a
    tensorflow-datasets split read into memory); at most `limit` examples (a tfds split is then read
    no further). Translation data are pairs: see `load_pairs`."""
    if pair_kind(name):
        raise DataError(f"{name} is translation data (image pairs): use ganzoo.data.load_pairs. Received: {name!r}")
    if _is_tfds_name(name):
        return sources.tfds_arrays(name.removeprefix("tfds:"), split=split, image_size=image_size, limit=limit,
                                   **options)
    features, labels = _in_memory_arrays(name, split=split, image_size=image_size, **options)
    if limit is not None:
        features, labels = features[:limit], None if labels is None else labels[:limit]
    return features, labels


def _in_memory_arrays(name, *, split, image_size, **options):
    if name == "digits":
        return sources.digits(split=split, image_size=image_size, **options)
    if name in MIXTURES:
        return sources.mixture(name, split=split, **options)
    if name.endswith(".npz"):
        return sources.npz_file(name, image_size=image_size, **options)
    if os.path.isdir(name):
        return sources.image_folder(name, image_size=image_size, **options)
    raise DataError(f"No such data file or folder. Received: {name!r}")


def _is_tfds_name(name):
    return name.startswith("tfds:") or not (name in BUILTIN or name.endswith(".npz") or os.sep in name
                                             or name.startswith(".") or os.path.isdir(name))


def load(name, *, batch_size, split="train", image_size=None, with_labels=False, shuffle=True, seed=0,
         **options):
    """A shuffled, batched, prefetched dataset: batches of features, or (features, labels) pairs
    when `with_labels`. Remainders that do not fill a batch are dropped. `options` go to the source
    (e.g. `value_range=(0, 255)`, `key=` for .npz, `num_samples=` for mixtures, `data_dir=` and
    `download=` for tfds).

    Translation data (`pair_kind(name)` is "paired" or "unpaired") gives batches of (first, second)
    images: aligned pairs, or two independently shuffled domains; `reverse=True` swaps the sides."""
    kind = pair_kind(name)
    if kind:
        if with_labels:
            raise DataError(f"{name} gives image pairs, not labelled samples: with_labels does not apply")
        reverse = options.pop("reverse", False)
        if translation.is_tfds_domains(name):
            return translation.tfds_domains(name.removeprefix("tfds:"), split=split, image_size=image_size,
                                            batch_size=batch_size, shuffle=shuffle, seed=seed, reverse=reverse,
                                            **options)
        pairs = load_pairs(name, split=split, image_size=image_size, reverse=reverse, **options)
        return translation.pairs_dataset(pairs, batch_size=batch_size, shuffle=shuffle, seed=seed, source=name)
    if _is_tfds_name(name):
        dataset = sources.tfds_dataset(name.removeprefix("tfds:"), split=split, image_size=image_size, **options)
        if shuffle:
            dataset = dataset.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        if not with_labels:
            dataset = dataset.map(lambda image, label: image)
        return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    features, labels = load_arrays(name, split=split, image_size=image_size, **options)
    if with_labels and labels is None:
        raise DataError(f"{name}: labels were asked for (with_labels=True) but this source has none")
    return make_dataset(features, labels if with_labels else None, batch_size=batch_size, shuffle=shuffle,
                        seed=seed, source=name)

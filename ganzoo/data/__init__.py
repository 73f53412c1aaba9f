"""`tf.data` pipelines. Every image leaves as float32 NHWC in [-1, 1]; 2D points in data coordinates.

`load(name, batch_size=...)` resolves `name` as, in order: a built-in offline set (`digits`, `ring`,
`grid`), translation pairs (`colorize`, `edges2digits`, `digits-negative`, `paired:PATH`,
`unpaired:PATH`, tfds `cycle_gan/*`; see `translation.py`), a path (an `.npz` file or a folder of
images), or a tensorflow-datasets name (optionally written `tfds:NAME`).
"""

import os

import numpy as np
import tensorflow as tf

from ganzoo.data import sources
from ganzoo.data.arrays import convert_channels, make_dataset, step_indexed_batches
from ganzoo.data.mixtures import MIXTURES, GaussianMixture2D  # noqa: F401
from ganzoo.data.translation import OFFLINE_PAIRS, ImagePairs, load_pairs, pair_kind  # noqa: F401
from ganzoo.data import translation
from ganzoo.errors import DataError

BUILTIN = ("digits", "ring", "grid", *OFFLINE_PAIRS)


def load_arrays(name, *, split="train", image_size=None, limit=None, channels=None, **options):
    """(features, labels) numpy arrays of a source (built-in set, .npz file, folder, or a
    tensorflow-datasets split read into memory); at most `limit` examples (a tfds split is then read
    no further); images converted to `channels` (1 or 3; None: as stored). Translation data are
    pairs: see `load_pairs`."""
    if pair_kind(name):
        raise DataError(f"{name} is translation data (image pairs): use ganzoo.data.load_pairs. Received: {name!r}")
    if _is_tfds_name(name):
        return sources.tfds_arrays(name.removeprefix("tfds:"), split=split, image_size=image_size, limit=limit,
                                   channels=channels, **options)
    if channels is not None and os.path.isdir(name):
        options["channels"] = channels  # decoded so: a folder may mix grayscale and RGB files
    features, labels = _in_memory_arrays(name, split=split, image_size=image_size, **options)
    if channels is not None:
        if features.ndim != 4:
            raise DataError(f"{name}: channels converts images. Received: points of shape {features.shape}")
        features = convert_channels(features, channels, source=name)
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


class OpenedSource:
    """A data source read once (in-memory sources: their arrays; tfds: a stream), from which pipelines
    of any batch size, order and labelling are made without reading it again. `open_source` makes
    one; `load` is `open_source(...).batches(...)`."""

    def __init__(self, name, make_batches, make_stream, features=None):
        self.name = name
        self.features = features  # the examples, for in-memory single-sample sources; else None
        self._make_batches = make_batches
        self._make_stream = make_stream

    def batches(self, batch_size, *, shuffle=True, seed=0, with_labels=False):
        """A shuffled (by `seed`), batched, prefetched dataset; remainders that do not fill a batch are
        dropped. Batches of features, (features, labels) when `with_labels`, or (first, second) images
        for translation data."""
        return self._make_batches(batch_size=batch_size, shuffle=shuffle, seed=seed, with_labels=with_labels)

    def stream(self, batch_size, *, seed=0, start_step=0, with_labels=False):
        """The endless batches of a training run: element s is the batch of step `start_step + s`.

        In-memory sources (every offline set, .npz files, image folders, translation pairs) read each
        epoch in an order that is a function of (seed, epoch) only (`arrays.epoch_order`), so a run
        resumed at any step sees exactly the batches an uninterrupted run would. Streamed
        tensorflow-datasets sources are shuffled with a 10,000-example buffer and replayed up to
        `start_step` on resume: the same batches only when TensorFlow's global seed is not set."""
        return self._make_stream(batch_size=batch_size, seed=seed, start_step=start_step, with_labels=with_labels)

    @property
    def element_shape(self):
        """The shape of one example; for image pairs, (first shape, second shape)."""
        spec = self.batches(1, shuffle=False).element_spec
        if isinstance(spec, tuple):
            return tuple(tuple(part.shape[1:]) for part in spec)
        return tuple(spec.shape[1:])

    def batches_per_epoch(self, batch_size):
        """Full batches of `batch_size` in one pass, or None when the length is unknown (a stream)."""
        count = int(self.batches(batch_size, shuffle=False).cardinality())
        return count if count >= 0 else None


def open_source(name, *, split="train", image_size=None, **options):
    """Opens data `name` (resolved as described in this module's docstring) once. `options` go to the
    source (e.g. `value_range=(0, 255)`, `key=` for .npz, `num_samples=` for mixtures, `data_dir=` and
    `download=` for tfds; `reverse=True` swaps the sides of translation data)."""
    kind = pair_kind(name)
    if kind:
        reverse = options.pop("reverse", False)

        def no_labels(with_labels):
            if with_labels:
                raise DataError(f"{name} gives image pairs, not labelled samples: with_labels does not apply")

        if translation.is_tfds_domains(name):
            def tfds_pairs(with_labels, **batching):
                no_labels(with_labels)
                return translation.tfds_domains(name.removeprefix("tfds:"), split=split, image_size=image_size,
                                                reverse=reverse, **batching, **options)

            def tfds_pair_stream(batch_size, seed, start_step, with_labels):
                return _replayed(tfds_pairs(with_labels, batch_size=batch_size, seed=seed), start_step)

            return OpenedSource(name, tfds_pairs, tfds_pair_stream)
        pairs = load_pairs(name, split=split, image_size=image_size, reverse=reverse, **options)
        groups = [(pairs.first, pairs.second)] if pairs.paired else [(pairs.first,), (pairs.second,)]

        def pair_batches(with_labels, **batching):
            no_labels(with_labels)
            return translation.pairs_dataset(pairs, source=name, **batching)

        def pair_stream(with_labels, **batching):
            no_labels(with_labels)
            return step_indexed_batches(groups, source=name, **batching)

        return OpenedSource(name, pair_batches, pair_stream)
    if _is_tfds_name(name):
        stream = sources.tfds_dataset(name.removeprefix("tfds:"), split=split, image_size=image_size, **options)

        def tfds_batches(batch_size, shuffle, seed, with_labels):
            dataset = stream
            if shuffle:
                dataset = dataset.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
            if not with_labels:
                dataset = dataset.map(lambda image, label: image)
            return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)

        def tfds_stream(batch_size, seed, start_step, with_labels):
            return _replayed(tfds_batches(batch_size, True, seed, with_labels), start_step)

        return OpenedSource(name, tfds_batches, tfds_stream)
    features, labels = load_arrays(name, split=split, image_size=image_size, **options)

    def checked_labels(with_labels):
        if with_labels and labels is None:
            raise DataError(f"{name}: labels were asked for (with_labels=True) but this source has none")
        return labels if with_labels else None

    def array_batches(with_labels, **batching):
        return make_dataset(features, checked_labels(with_labels), source=name, **batching)

    def array_stream(with_labels, **batching):
        wanted = checked_labels(with_labels)
        return step_indexed_batches([(features,) if wanted is None else (features, np.asarray(wanted))],
                                    source=name, **batching)

    return OpenedSource(name, array_batches, array_stream, features)


def _replayed(dataset, start_step):
    """An endless copy of a streamed dataset, advanced to `start_step` by reading that many batches."""
    return dataset.repeat().skip(start_step)


def load(name, *, batch_size, split="train", image_size=None, with_labels=False, shuffle=True, seed=0,
         **options):
    """A shuffled, batched, prefetched dataset of data `name`: `open_source(name, split=split,
    image_size=image_size, **options).batches(batch_size, shuffle=shuffle, seed=seed,
    with_labels=with_labels)`.

    Translation data (`pair_kind(name)` is "paired" or "unpaired") gives batches of (first, second)
    images: aligned pairs, or two independently shuffled domains; `reverse=True` swaps the sides."""
    return open_source(name, split=split, image_size=image_size, **options).batches(
        batch_size, shuffle=shuffle, seed=seed, with_labels=with_labels)

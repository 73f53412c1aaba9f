"""Where data comes from: the offline sets ganzoo makes or a dependency ships, files given by path,
and tensorflow-datasets for users with a network. Each in-memory source returns (features, labels)
as numpy arrays, images already in [-1, 1]."""

import os

import numpy as np
import tensorflow as tf

from ganzoo.data.arrays import check_points, images_to_unit_range, resize_images
from ganzoo.data.mixtures import MIXTURES
from ganzoo.errors import DataError

SPLITS = ("train", "test", "all")
#: Fraction of the bundled digits used for training; the rest is the held-out test split.
DIGITS_TRAIN_FRACTION = 0.8
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _check_split(split):
    if split not in SPLITS:
        raise DataError(f"split must be one of {SPLITS}. Received: split={split!r}")


def digits(*, split="train", image_size=None):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes, values 0-16).

    Split by a fixed permutation (seed 0, independent of any training seed): 80% train, 20% test.
    `image_size` (e.g. 16 or 32) resizes bilinearly.
    """
    _check_split(split)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = images_to_unit_range(bunch.images / 16.0, source="digits", value_range=(0, 1))
    labels = bunch.target.astype(np.int32)
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(round(DIGITS_TRAIN_FRACTION * len(images)))
    index = {"train": order[:cut], "test": order[cut:], "all": np.arange(len(images))}[split]
    return resize_images(images[index], image_size), labels[index]


def mixture(name, *, split="train", num_samples=50_000, seed=0):
    """`num_samples` points of the named 2D mixture; the test split uses an independent stream."""
    _check_split(split)
    stream = {"train": 0, "test": 1, "all": 2}[split]
    points, modes = MIXTURES[name].sample(num_samples, seed=(seed, stream))
    return points, modes.astype(np.int32)


def npz_file(path, *, key=None, label_key=None, value_range=None, image_size=None):
    """Arrays from an `.npz` file: `key` (default: the first array) holds images (n, h, w[, c]) or
    points (n, d); `label_key` optionally holds integer labels."""
    if not os.path.isfile(path):
        raise DataError(f"No such .npz file. Received: {path!r}")
    with np.load(path, allow_pickle=False) as archive:
        names = list(archive.keys())
        key = key or (names[0] if names else None)
        if key not in names:
            raise DataError(f"{path}: expected an array called {key!r}. Received arrays: {names}")
        features = archive[key]
        labels = None
        if label_key is not None:
            if label_key not in names:
                raise DataError(f"{path}: expected a label array called {label_key!r}. Received arrays: {names}")
            labels = archive[label_key]
    if features.ndim == 2:
        features = check_points(features, source=path)
    else:
        features = resize_images(images_to_unit_range(features, source=path, value_range=value_range), image_size)
    if labels is not None and len(labels) != len(features):
        raise DataError(f"{path}: expected one label per example ({len(features)}). Received: {len(labels)} labels")
    return features, labels


def image_folder(path, *, image_size=None, channels=None):
    """Every image file under `path` (recursively), decoded with TensorFlow. Images of different
    sizes need `image_size`. Labels are the index of each file's first-level subfolder, sorted by
    name, when all files lie in subfolders; otherwise None."""
    if not os.path.isdir(path):
        raise DataError(f"No such image folder. Received: {path!r}")
    files = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(path)
        for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS)
    )
    if not files:
        raise DataError(f"{path}: expected image files ({', '.join(IMAGE_EXTENSIONS)}). Received: none found")
    images = []
    for file in files:
        try:
            image = tf.io.decode_image(tf.io.read_file(file), channels=channels or 0, expand_animations=False)
        except tf.errors.OpError as error:
            raise DataError(f"Cannot decode image {file!r}: {error.message}") from None
        if image_size is not None:
            image = tf.cast(tf.clip_by_value(tf.round(tf.image.resize(image, (image_size, image_size),
                                                                       antialias=True)), 0, 255), tf.uint8)
        images.append(image.numpy())
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise DataError(f"{path}: images differ in size or channels; pass image_size= (and channels=). "
                        f"Received shapes: {sorted(shapes)[:4]}")
    relative = [os.path.relpath(file, path).split(os.sep) for file in files]
    labels = None
    if all(len(parts) > 1 for parts in relative):
        classes = sorted({parts[0] for parts in relative})
        labels = np.array([classes.index(parts[0]) for parts in relative], np.int32)
    return images_to_unit_range(np.stack(images), source=path), labels


def tfds_dataset(name, *, split="train", image_size=None, data_dir=None, download=True,
                 image_key="image", label_key="label"):
    """A tensorflow-datasets dataset of (image, label) pairs, images float32 in [-1, 1].

    Streams from disk (nothing is held in memory). `download=False` fails at once when the data is
    not prepared in `data_dir` instead of retrying the network.
    """
    import tensorflow_datasets as tfds

    try:
        dataset = tfds.load(name, split=split, data_dir=data_dir, download=download)
    except (tfds.core.registered.DatasetNotFoundError, AssertionError, FileNotFoundError) as error:
        raise DataError(f"tensorflow-datasets could not load {name!r} (split {split!r}, data_dir {data_dir!r}, "
                        f"download={download}): {str(error).splitlines()[0]}") from None
    spec = dataset.element_spec
    if image_key not in spec:
        raise DataError(f"tfds {name!r}: expected a feature called {image_key!r}. Received features: {sorted(spec)}")

    def convert(example):
        image = example[image_key]
        if image_size is not None:
            image = tf.image.resize(image, (image_size, image_size), antialias=True)
        image = tf.cast(image, tf.float32) / 127.5 - 1.0
        label = example[label_key] if label_key in example else tf.constant(-1, tf.int64)
        return tf.clip_by_value(image, -1.0, 1.0), tf.cast(label, tf.int32)

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def tfds_arrays(name, *, split="train", image_size=None, limit=None, **options):
    """A tensorflow-datasets split in memory (its first `limit` examples, or all): (images float32 in
    [-1, 1], int32 labels) numpy arrays, for protocols that need every example at once (1-NN against
    a training split)."""
    dataset = tfds_dataset(name, split=split, image_size=image_size, **options)
    if limit is not None:
        dataset = dataset.take(limit)
    images, labels = [], []
    for batch_images, batch_labels in dataset.batch(1024).as_numpy_iterator():
        images.append(batch_images)
        labels.append(batch_labels)
    if not images:
        raise DataError(f"tfds {name!r} split {split!r} is empty")
    return np.concatenate(images), np.concatenate(labels)

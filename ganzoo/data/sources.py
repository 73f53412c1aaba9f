"""Where data comes from: the offline sets ganzoo makes or a dependency ships, files given by path,
and tensorflow-datasets for users with a network. Each in-memory source returns (features, labels)
as numpy arrays, images already in [-1, 1]."""

import os
import re
import shutil
import socket
from pathlib import Path

import numpy as np
import tensorflow as tf

from ganzoo.data.arrays import check_points, images_to_unit_range, resize_images
from ganzoo.data.mixtures import MIXTURES
from ganzoo.errors import DataError

SPLITS = ("train", "test", "all")
#: Fraction of the bundled digits used for training; the rest is the held-out test split.
DIGITS_TRAIN_FRACTION = 0.8
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
#: Set to 1 to never reach for the network (tensorflow-datasets downloads, Keras application weights).
OFFLINE_VARIABLE = "GANZOO_OFFLINE"
#: Where tensorflow-datasets downloads from; checked (one connection, a few seconds) before a download.
TFDS_HOST = ("storage.googleapis.com", 443)


def offline():
    """Whether the user asked ganzoo never to use the network (GANZOO_OFFLINE=1)."""
    return os.environ.get(OFFLINE_VARIABLE) == "1"


def network_reachable(address=TFDS_HOST, timeout=3.0):
    """Whether one TCP connection to `address` opens within `timeout` seconds."""
    try:
        socket.create_connection(address, timeout=timeout).close()
        return True
    except OSError:
        return False


def tf_error_text(error):
    """A TensorFlow op error's message without its function-node prefix and op suffix."""
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", getattr(error, "message", str(error)))
    return re.sub(r"\s*\[Op:\w+\].*$", "", text, flags=re.S).strip()


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
            raise DataError(f"Cannot decode image {file!r}: {tf_error_text(error)} (expected a whole PNG, JPEG, BMP "
                            f"or GIF file)") from None
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
                 image_key="image", label_key="label", channels=None):
    """A tensorflow-datasets dataset of (image, label) pairs, images float32 in [-1, 1] (with
    `channels` channels when given: 1 grayscale, 3 RGB).

    Streams from disk (nothing is held in memory). Data not yet prepared in `data_dir` is prepared
    only when `download` is True; a set of tensorflow-datasets' own catalogue (which downloads) also
    needs GANZOO_OFFLINE unset and tfds' server to answer within seconds, and otherwise one line says
    so at once (tfds itself retries for minutes). A failed preparation leaves nothing behind in
    `data_dir`.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as error:
        raise DataError(f"tensorflow-datasets has no dataset {name!r}: {str(error).splitlines()[0]}") from None
    if not builder.is_prepared():
        downloads = type(builder).__module__.startswith("tensorflow_datasets.")  # a catalogue set, not the user's
        reason = ("download=False" if not download else None if not downloads else
                  f"{OFFLINE_VARIABLE}=1" if offline() else
                  None if network_reachable() else f"{TFDS_HOST[0]} cannot be reached")
        if reason:
            raise DataError(f"tensorflow-datasets {name!r} is not prepared in {builder.data_dir_root} and cannot be "
                            f"downloaded ({reason}). Prepare it where there is a network and pass its data_dir, or "
                            f"use an offline set (digits, ring, grid, edges2digits, colorize, digits-negative)")
        _download_cleanly(builder)
    try:
        dataset = builder.as_dataset(split=split)
    except (ValueError, AssertionError, FileNotFoundError) as error:
        raise DataError(f"tensorflow-datasets could not load {name!r} (split {split!r}, data_dir {data_dir!r}): "
                        f"{str(error).splitlines()[0]}") from None
    spec = dataset.element_spec
    if image_key not in spec:
        raise DataError(f"tfds {name!r}: expected a feature called {image_key!r}. Received features: {sorted(spec)}")

    def convert(example):
        image = example[image_key]
        if image_size is not None:
            image = tf.image.resize(image, (image_size, image_size), antialias=True)
        image = tf.cast(image, tf.float32) / 127.5 - 1.0
        if channels == 1 and image.shape[-1] == 3:
            image = tf.image.rgb_to_grayscale(image)
        elif channels == 3 and image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        label = example[label_key] if label_key in example else tf.constant(-1, tf.int64)
        return tf.clip_by_value(image, -1.0, 1.0), tf.cast(label, tf.int32)

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def _download_cleanly(builder):
    """`builder.download_and_prepare()`; on any failure, removes what it created under the data folder."""
    root = Path(builder.data_dir_root)
    before = set(root.rglob("*")) if root.exists() else set()
    existed = root.exists()
    try:
        builder.download_and_prepare()
    except BaseException as error:
        created = [path for path in (root.rglob("*") if root.exists() else []) if path not in before]
        for path in sorted(created, key=lambda p: len(p.parts)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        if not existed:
            shutil.rmtree(root, ignore_errors=True)
        if isinstance(error, Exception):
            raise DataError(f"tensorflow-datasets could not download {builder.name!r} into {root}: "
                            f"{str(error).splitlines()[0] if str(error) else type(error).__name__} (nothing was "
                            f"left behind)") from None
        raise


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

"""Validation of in-memory arrays and the one `tf.data` pipeline every source ends in.

Images leave as float32 NHWC in [-1, 1]; 2D points leave as float32 (n, d) in data coordinates.
"""

import numpy as np
import tensorflow as tf

from ganzoo.errors import DataError

#: Value ranges that `value_range=` may declare for float images, mapped linearly to [-1, 1].
VALUE_RANGES = {(0, 1), (0, 255), (-1, 1)}


def images_to_unit_range(images, *, source, value_range=None):
    """Checks `images` and returns them as float32 NHWC in [-1, 1].

    uint8 images are read as [0, 255]. Float images must already lie in [-1, 1] unless `value_range`
    ((0, 1) or (0, 255)) says otherwise; anything outside the declared range is refused, since a silent
    rescale of the wrong range trains a model on wrong data. Undeclared float images whose values all
    lie in [0, 1] are refused too: they are far more often [0, 1] data (which would train on grey
    backgrounds) than [-1, 1] data without a negative value, so the range must be said. Grayscale
    (n, h, w) gains a channel axis.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4) or 0 in images.shape:
        raise DataError(f"{source}: expected images of shape (n, height, width, channels) with 1, 3 or 4 "
                        f"channels. Received: shape {images.shape}")
    if images.dtype == np.uint8:
        value_range = (0, 255)
    elif not np.issubdtype(images.dtype, np.floating) and not np.issubdtype(images.dtype, np.integer):
        raise DataError(f"{source}: expected uint8 or float images. Received: dtype {images.dtype}")
    declared = value_range is not None
    value_range = tuple(value_range) if declared else (-1, 1)
    if value_range not in VALUE_RANGES:
        raise DataError(f"{source}: value_range must be one of {sorted(VALUE_RANGES)}. Received: {value_range}")
    low, high = float(images.min()), float(images.max())
    if not np.isfinite(low) or not np.isfinite(high):
        raise DataError(f"{source}: images contain NaN or infinite values")
    if not declared and low >= 0 and high <= 1:
        raise DataError(f"{source}: float pixel values all lie in [0, 1], so their range must be declared: "
                        f"data.value_range: [0, 1] (value_range=(0, 1) in Python), or [-1, 1] if that is their range. "
                        f"Received: values in [{low:g}, {high:g}] and no value_range")
    if low < value_range[0] or high > value_range[1]:
        raise DataError(f"{source}: expected pixel values in {list(value_range)} (pass value_range=(0, 1) or "
                        f"(0, 255) for other float ranges). Received: values in [{low:g}, {high:g}]")
    scale = (value_range[1] - value_range[0]) / 2.0
    return ((images.astype(np.float32) - value_range[0]) / scale - 1.0).astype(np.float32)


def check_points(points, *, source):
    """Checks a float array of points of shape (n, d) and returns it as float32."""
    points = np.asarray(points)
    if points.ndim != 2 or 0 in points.shape or not np.issubdtype(points.dtype, np.number):
        raise DataError(f"{source}: expected numeric points of shape (n, dimensions). "
                        f"Received: shape {points.shape}, dtype {points.dtype}")
    if not np.all(np.isfinite(points)):
        raise DataError(f"{source}: points contain NaN or infinite values")
    return points.astype(np.float32)


def convert_channels(images, channels, *, source):
    """`images` (..., height, width, C), uint8 or float, with `channels` channels (None: as they are):
    alpha dropped, RGB to luminance (`tf.image.rgb_to_grayscale`'s weights, linear, so the same in
    [0, 255] and [-1, 1]), grayscale repeated to RGB."""
    if channels is None:
        return images
    if channels not in (1, 3):
        raise DataError(f"{source}: channels must be 1 or 3. Received: channels={channels!r}")
    have = images.shape[-1]
    images = images[..., :3] if have == 4 else images[..., :1] if have == 2 else images
    if images.shape[-1] == 3 and channels == 1:
        images = tf.image.rgb_to_grayscale(images).numpy()
    elif images.shape[-1] == 1 and channels == 3:
        images = np.repeat(images, 3, axis=-1)
    if images.shape[-1] != channels:
        raise DataError(f"{source}: cannot make {channels}-channel images from {have} channels")
    return images


def resize_images(images, image_size):
    """Bilinear resize of float images in [-1, 1] to `image_size` x `image_size`, clipped to [-1, 1]."""
    if image_size is None or images.shape[1:3] == (image_size, image_size):
        return images
    resized = tf.image.resize(images, (image_size, image_size), method="bilinear", antialias=True)
    return np.clip(resized.numpy(), -1.0, 1.0)


def check_batch(batch_size, available, source):
    """Refuses a batch size that is not a positive integer or that no `available` examples can fill."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise DataError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}")
    if available < batch_size:
        raise DataError(f"{source}: the batch size is larger than the dataset, so no full batch can be made. "
                        f"Received: batch_size={batch_size} for {available} examples")


def make_dataset(features, labels=None, *, batch_size, shuffle=True, seed=0, source="data"):
    """Shuffled, batched (dropping the remainder) and prefetched `tf.data.Dataset` of `features`
    (and `labels`, as (features, labels) pairs, when given)."""
    check_batch(batch_size, len(features), source)
    elements = features if labels is None else (features, np.asarray(labels))
    dataset = tf.data.Dataset.from_tensor_slices(elements)
    if shuffle:
        dataset = dataset.shuffle(len(features), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def epoch_order(size, length, seed, epoch, stream=0):
    """The example indices of one epoch of `length` draws from `size` examples: a permutation of all of
    them, then another, ... (an unpaired domain smaller than the epoch repeats in a fresh order). A pure
    function of (seed, epoch, stream), so a resumed run reads exactly the batches an uninterrupted one
    would, whatever happened to the process in between."""
    key = tf.random.experimental.stateless_fold_in(tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)]),
                                                   epoch)
    rounds = -(-length // size)
    orders = [tf.random.experimental.stateless_shuffle(tf.range(size, dtype=tf.int64),
                                                       tf.random.experimental.stateless_fold_in(key, r))
              for r in range(rounds)]
    return tf.concat(orders, axis=0)[:length]


def step_indexed_batches(groups, *, batch_size, seed=0, start_step=0, source="data"):
    """An endless dataset whose element number s is the batch of training step `start_step + s`.

    `groups` are tuples of aligned arrays (features and labels; a pair's two sides); each group is
    shuffled on its own (the two domains of unpaired data). An epoch is `max(len(group))` examples, cut
    into batches of `batch_size` (the remainder is dropped), in `epoch_order`. Elements are the arrays
    of all groups, flattened in order: a single array unwrapped, otherwise a tuple."""
    sizes = [len(group[0]) for group in groups]
    length = max(sizes)
    check_batch(batch_size, length, source)
    per_epoch = length // batch_size
    arrays = [tf.constant(array) for group in groups for array in group]
    owners = [index for index, group in enumerate(groups) for _ in group]

    def epoch_batches(epoch):
        orders = [tf.reshape(epoch_order(size, length, seed, epoch, stream)[:per_epoch * batch_size],
                             (per_epoch, batch_size)) for stream, size in enumerate(sizes)]
        return tf.data.Dataset.from_tensor_slices(tuple(orders))

    def gather(*orders):
        batch = tuple(tf.gather(array, orders[owner]) for array, owner in zip(arrays, owners))
        return batch[0] if len(batch) == 1 else batch

    first_epoch, position = divmod(int(start_step), per_epoch)
    epochs = tf.data.Dataset.range(first_epoch, 2 ** 62).flat_map(epoch_batches).skip(position)
    return epochs.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)

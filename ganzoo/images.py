"""Pictures of samples, written as PNG with TensorFlow (no imaging library needed): image grids, and
scatter plots of 2D points drawn straight into pixels."""

import math

import numpy as np
import tensorflow as tf


def to_uint8(images):
    """Float images in [-1, 1] -> uint8 in [0, 255] (values outside are clipped)."""
    return np.round((np.clip(np.asarray(images, np.float32), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def image_grid(images, columns=None, padding=1):
    """Tiles NHWC images in [-1, 1] into one uint8 (H, W, C) picture, row by row."""
    images = to_uint8(images)
    n, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (height + padding) + padding, columns * (width + padding) + padding, channels), np.uint8)
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def _plot_bounds(*point_sets):
    """One (low, high) range for both axes covering every point, with a 5% margin."""
    everything = np.concatenate([np.asarray(points, np.float32) for points in point_sets])
    low, high = everything.min(axis=0), everything.max(axis=0)
    margin = 0.05 * np.maximum(high - low, 1e-6)
    return float((low - margin).min()), float((high + margin).max())


def _draw(picture, points, colour, bounds):
    """Colours the pixels of `points` (2D, within `bounds`) in the square `picture`, in place."""
    size = picture.shape[0]
    scaled = (np.asarray(points, np.float32) - bounds[0]) / (bounds[1] - bounds[0]) * (size - 1)
    inside = np.all((scaled >= 0) & (scaled <= size - 1), axis=1)
    columns, rows = np.round(scaled[inside, 0]).astype(int), np.round(size - 1 - scaled[inside, 1]).astype(int)
    picture[rows, columns] = colour


def scatter_plot(samples, reference=None, size=256, bounds=None):
    """A uint8 RGB picture of 2D `samples` (red) over `reference` points (grey), `size` pixels square."""
    samples = np.asarray(samples, np.float32)
    bounds = bounds or _plot_bounds(samples, *([] if reference is None else [reference]))
    picture = np.full((size, size, 3), 255, np.uint8)
    if reference is not None:
        _draw(picture, reference, (170, 170, 170), bounds)
    _draw(picture, samples, (200, 30, 30), bounds)
    return picture


def reconstruction_plot(points, reconstructions, size=256, bounds=None, steps=24):
    """A uint8 RGB picture of how a BiGAN inverts 2D data: each point x (grey) joined by a line (blue)
    to its reconstruction G(E(x)) (red). Short lines mean E and G invert each other."""
    points, reconstructions = np.asarray(points, np.float32), np.asarray(reconstructions, np.float32)
    if points.shape != reconstructions.shape or points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"Expected two arrays of 2D points of one shape (n, 2). Received: {points.shape} and "
                         f"{reconstructions.shape}")
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    segments = ((1 - weights) * points[:, None] + weights * reconstructions[:, None]).reshape(-1, 2)
    bounds = bounds or _plot_bounds(points, reconstructions)
    picture = np.full((size, size, 3), 255, np.uint8)
    for layer, colour in ((segments, (120, 160, 230)), (points, (120, 120, 120)), (reconstructions, (200, 30, 30))):
        _draw(picture, layer, colour, bounds)
    return picture


def samples_picture(samples, reference=None):
    """The natural picture of generated samples: a grid for images, a scatter plot for 2D points."""
    samples = np.asarray(samples)
    if samples.ndim == 4:
        return image_grid(samples)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return scatter_plot(samples, reference)
    raise ValueError(f"Can draw images (n, h, w, c) or 2D points (n, 2). Received: shape {samples.shape}")


def translation_grid(columns, padding=1):
    """One row per example, one column per array of `columns` (each NHWC in [-1, 1], equal n, height
    and width): e.g. [inputs, outputs, targets]. Grayscale columns are shown as RGB when any is RGB."""
    columns = [np.asarray(column, np.float32) for column in columns]
    if any(column.shape[-1] == 3 for column in columns):
        columns = [np.repeat(column, 3, axis=-1) if column.shape[-1] == 1 else column for column in columns]
    interleaved = np.stack(columns, axis=1).reshape((-1,) + columns[0].shape[1:])
    return image_grid(interleaved, columns=len(columns), padding=padding)


def write_png(path, picture):
    """Writes a uint8 (H, W, C) picture to `path` as PNG."""
    tf.io.write_file(str(path), tf.io.encode_png(np.asarray(picture, np.uint8)))

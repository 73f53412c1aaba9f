"""FIR up- and down-sampling of NHWC images (StyleGAN2, Karras et al. 2020, appendix B; the official
code's `upfirdn2d`): insert zeros to upsample, pad (negative pads crop), convolve with a 2D FIR filter,
keep every `down`-th pixel.

The filter is separable: a 1D filter `f` (default [1, 3, 3, 1], a binomial low-pass) normalised to sum
1, used along H and W, with the 2D kernel the outer product of the two. `gain` scales the whole 2D
filter (up**2 keeps an upsampled image's brightness, since zero insertion leaves one pixel in up**2).
The convolution is a true convolution (the kernel is flipped before TensorFlow's correlation), as in
the official code without `flip_filter`. It is written as a depthwise convolution, so that it runs on
CPU (NHWC), under XLA and converts to TFLite builtins.
"""

import numpy as np
from keras import ops

#: StyleGAN2's resampling filter.
DEFAULT_FILTER = (1, 3, 3, 1)


def filter_1d(taps=DEFAULT_FILTER):
    """The 1D filter as a float32 array normalised to sum 1 (refuses empty or zero-sum filters)."""
    taps = np.asarray(taps, dtype=np.float64).reshape(-1)
    if taps.size == 0 or not np.isfinite(taps).all() or abs(taps.sum()) < 1e-12:
        raise ValueError(f"A FIR filter needs finite taps with a non-zero sum. Received: {taps.tolist()}")
    return (taps / taps.sum()).astype(np.float32)


def upsampling_padding(taps, up=2):
    """The official padding (before, after) of `upsample2d`: the output is exactly `up` times larger."""
    length = len(taps)
    return (length + up - 1) // 2, (length - up) // 2


def downsampling_padding(taps, down=2):
    """The official padding (before, after) of `downsample2d`: the output is exactly `down` times smaller."""
    length = len(taps)
    return (length - down + 1) // 2, (length - down) // 2


def _insert_zeros(x, up):
    """(N, H, W, C) -> (N, up * H, up * W, C) with x at [up * i, up * j] and zeros between; one axis at
    a time with 4-D pads (the direct way, one 6-D pad, does not convert to a TFLite builtin)."""
    _, height, width, channels = x.shape
    x = ops.reshape(x, (-1, width, 1, channels))  # rows of pixels: zeros after each pixel
    x = ops.pad(x, ((0, 0), (0, 0), (0, up - 1), (0, 0)))
    x = ops.reshape(x, (-1, height, 1, width * up * channels))  # then zero rows after each row
    x = ops.pad(x, ((0, 0), (0, 0), (0, up - 1), (0, 0)))
    return ops.reshape(x, (-1, height * up, width * up, channels))


def _pad_or_crop(x, before, after):
    """Pads H and W by (before, after); a negative amount crops that many pixels instead."""
    if before > 0 or after > 0:
        x = ops.pad(x, ((0, 0), (max(before, 0), max(after, 0)), (max(before, 0), max(after, 0)), (0, 0)))
    if before < 0 or after < 0:
        height, width = x.shape[1], x.shape[2]
        top, bottom = max(-before, 0), max(-after, 0)
        x = x[:, top:height - bottom, top:width - bottom, :]
    return x


def upfirdn2d(x, taps=DEFAULT_FILTER, *, up=1, down=1, padding=(0, 0), gain=1.0):
    """Upsample by `up`, pad by `padding` = (before, after) on H and W, convolve with the separable
    filter of `taps` times `gain`, downsample by `down`. Output side: (side * up + before + after -
    len(taps)) // down + 1. H, W and C must be static."""
    for name, value in (("up", up), ("down", down)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1. Received: {name}={value!r}")
    if len(x.shape) != 4 or None in tuple(x.shape[1:]):
        raise ValueError(f"upfirdn2d needs NHWC images with static height, width and channels. Received: shape {x.shape}")
    taps = filter_1d(taps)
    if up > 1:
        x = _insert_zeros(x, up)
    x = _pad_or_crop(x, *padding)
    kernel = np.outer(taps, taps)[::-1, ::-1] * np.float32(gain)  # flipped: a true convolution
    channels = x.shape[-1]
    kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1)).astype(np.float32)
    return ops.depthwise_conv(x, ops.cast(kernel, x.dtype), strides=down, padding="valid")


def upsample2d(x, taps=DEFAULT_FILTER, up=2):
    """Upsamples by `up` with the FIR filter (gain up**2): (N, H, W, C) -> (N, up * H, up * W, C)."""
    return upfirdn2d(x, taps, up=up, padding=upsampling_padding(taps, up), gain=up * up)


def downsample2d(x, taps=DEFAULT_FILTER, down=2):
    """Low-pass filters and keeps every `down`-th pixel: (N, H, W, C) -> (N, H / down, W / down, C)."""
    return upfirdn2d(x, taps, down=down, padding=downsampling_padding(taps, down))

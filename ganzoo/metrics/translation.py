"""Image-to-image translation quality against known targets: L1 and PSNR on
held-out pairs, and cycle reconstruction error. Images are NHWC in [-1, 1]; every score is computed
per image and averaged, so N is the number of images."""

import numpy as np

#: PSNR of an exact match would be infinite; errors below this mean squared error (on [0, 1]) count as it.
MSE_FLOOR = 1e-10


def _check_pair(outputs, targets):
    outputs, targets = np.asarray(outputs, np.float64), np.asarray(targets, np.float64)
    if outputs.shape != targets.shape or outputs.ndim != 4:
        raise ValueError(f"Expected outputs and targets of one shape (n, height, width, channels). "
                         f"Received: {outputs.shape} and {targets.shape}")
    return outputs, targets


def l1_error(outputs, targets):
    """Mean absolute error per image, in [-1, 1] pixel units (as pix2pix's L1 term): shape (n,)."""
    outputs, targets = _check_pair(outputs, targets)
    return np.abs(outputs - targets).mean(axis=(1, 2, 3))


def psnr(outputs, targets):
    """Peak signal-to-noise ratio per image in dB, with pixels mapped to [0, 1] (peak 1): shape (n,)."""
    outputs, targets = _check_pair(outputs, targets)
    mse = (((outputs - targets) / 2.0) ** 2).mean(axis=(1, 2, 3))
    return 10.0 * np.log10(1.0 / np.maximum(mse, MSE_FLOOR))


def summary(values):
    """{"value": mean, "std_error": standard error of the mean, "n": count} of per-image scores."""
    values = np.asarray(values, np.float64)
    std_error = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
    return {"value": float(values.mean()), "std_error": std_error, "n": int(len(values))}


def colourfulness(images):
    """Hasler & Suesstrunk 2003's colourfulness of RGB images in [-1, 1], per image: with rg = R - G
    and yb = (R + G) / 2 - B on [0, 255], sqrt(var rg + var yb) + 0.3 sqrt(mean rg^2 + mean yb^2).
    Grey images score 0; L1-trained colourisers tend to score below their targets (washed-out colour)."""
    images = np.asarray(images, np.float64)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"Expected RGB images of shape (n, height, width, 3). Received: shape {images.shape}")
    red, green, blue = np.moveaxis((images + 1.0) * 127.5, -1, 0)
    rg, yb = red - green, 0.5 * (red + green) - blue
    spread = np.sqrt(rg.var(axis=(1, 2)) + yb.var(axis=(1, 2)))
    mean = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
    return spread + 0.3 * mean

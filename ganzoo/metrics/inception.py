"""InceptionV3 pool features for FID and KID (Heusel et al. 2017; Binkowski et al. 2018), for users
who have the ImageNet weights (in the Keras cache, as a file, or through a network).

Real and generated images go through the same path: [-1, 1] -> uint8 (quantised, as a saved image
would be) -> bilinear resize to 299x299 -> grayscale tiled to RGB -> InceptionV3 preprocessing.
"""

import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ganzoo.errors import PretrainedError
from ganzoo.images import to_uint8

INPUT_SIZE = 299
WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
OFFLINE_ALTERNATIVES = ("fd_digits / kid_digits (`ganzoo evaluate --metrics fd_digits,kid_digits`), which use the "
                        "digits classifier shipped under pretrained/")


def cached_weights_path():
    """Where Keras keeps the InceptionV3 weights once downloaded."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(home) / "models" / WEIGHTS_FILE


def prepare_for_inception(images):
    """Float NHWC images in [-1, 1] -> InceptionV3 inputs (n, 299, 299, 3), the same way for any set."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"Expected images of shape (n, height, width, 1 or 3). Received: shape {images.shape}")
    quantised = tf.cast(to_uint8(images), tf.float32)
    resized = tf.image.resize(quantised, (INPUT_SIZE, INPUT_SIZE), method="bilinear")
    if resized.shape[-1] == 1:
        resized = tf.tile(resized, (1, 1, 1, 3))
    return resized / 127.5 - 1.0  # keras.applications.inception_v3.preprocess_input


class InceptionFeatures:
    """2048-d pool3 features. `weights`: "imagenet" (the Keras cache, else a download unless
    `allow_download=False`), a path to the .h5 weights file, or None (random; for tests only)."""

    def __init__(self, weights="imagenet", allow_download=True):
        if weights == "imagenet" and not cached_weights_path().is_file() and not allow_download:
            raise PretrainedError(f"InceptionV3 weights are not in the Keras cache ({cached_weights_path()}) and "
                                  f"cannot be downloaded (GANZOO_OFFLINE=1, or no network). Offline alternatives: {OFFLINE_ALTERNATIVES}")
        if weights not in ("imagenet", None) and not Path(weights).is_file():
            raise PretrainedError(f"No InceptionV3 weights file. Received: weights={weights!r}")
        try:
            self.model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=weights,
                                                        input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
        except Exception as error:  # keras raises a bare Exception for a failed download
            if weights == "imagenet" and "URL fetch failure" in str(error):
                raise PretrainedError(f"InceptionV3 weights could not be downloaded ({str(error)[-80:]}). Offline "
                                      f"alternatives: {OFFLINE_ALTERNATIVES}") from None
            raise

    def features(self, images, batch_size=50):
        return np.concatenate([self.model.predict(prepare_for_inception(images[i:i + batch_size]), verbose=0)
                               for i in range(0, len(images), batch_size)])

"""Test isolation: no network, nothing written to the user's home. Set before TensorFlow loads.

The CPU is split into two logical devices before TensorFlow initialises, so that `MirroredStrategy`
checks run in the test process (`mirrored` fixture); everything else runs on the first device as usual.
"""

import os
import tempfile

_SANDBOX = tempfile.mkdtemp(prefix="ganzoo-tests-")
os.environ["KERAS_HOME"] = os.path.join(_SANDBOX, "keras")
os.environ["TFDS_DATA_DIR"] = os.path.join(_SANDBOX, "tensorflow_datasets")
os.environ["NO_GCE_CHECK"] = "true"
os.environ["GANZOO_OFFLINE"] = "1"  # no weight downloads
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                           [tf.config.LogicalDeviceConfiguration()] * 2)

from ganzoo.trainers import GAN  # noqa: E402  (after the devices are set)


@pytest.fixture(scope="session")
def mirrored():
    """A MirroredStrategy over the two logical CPUs."""
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    return strategy


class DataTiedNoiseGAN(GAN):
    """Training latents computed from each real example, so that every example meets the same latent
    whether the batch is split over replicas or not (inference keeps the stock prior)."""

    def sample_latents(self, batch_size, seed=None):
        if seed is not None:
            return super().sample_latents(batch_size, seed)
        return tf.tanh(tf.tile(self._real[:, :1], [1, self.latent_dim]) * tf.range(1.0, self.latent_dim + 1.0))

    def discriminator_objective(self, real):
        self._real = real
        return super().discriminator_objective(real)

    def generator_objective(self, real):
        self._real = real
        return super().generator_objective(real)


def variables_snapshot(networks):
    """{variable path: value copy} of the trainable variables of `networks`."""
    return {v.path: np.array(v.numpy()) for network in networks for v in network.trainable_variables}


def changed(before, after):
    """Paths whose values differ between two snapshots."""
    return {path for path in before if not np.array_equal(before[path], after[path])}


@pytest.fixture
def tiny_gan():
    """A compiled 2D GAN small enough to trace in about a second."""
    from ganzoo import networks
    from ganzoo.trainers import GAN

    def make(seed=0, **kwargs):
        generator = networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=seed)
        discriminator = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=seed + 1)
        compile_kwargs = {k: kwargs.pop(k) for k in ("jit_compile", "run_eagerly", "optimizers") if k in kwargs}
        model = kwargs.pop("cls", GAN)(generator, discriminator, seed=seed, **kwargs)
        model.compile(**compile_kwargs)
        return model

    return make

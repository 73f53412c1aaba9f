"""The class-conditional GAN: labels reach both players, and generate() honours them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.trainers import ConditionalGAN

NUM_CLASSES = 3


def _model(conditioning="projection", **kwargs):
    generator = networks.build_dcgan_generator(latent_dim=4, image_shape=(8, 8, 1), width=4,
                                               num_classes=NUM_CLASSES, seed=0)
    discriminator = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, num_classes=NUM_CLASSES,
                                                       conditioning=conditioning, seed=1)
    model = ConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES, seed=0, **kwargs)
    model.compile()
    return model


def _data():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(32, 8, 8, 1)).astype("float32")
    return images, rng.integers(0, NUM_CLASSES, 32).astype("int32")


class RecordingConditionalGAN(ConditionalGAN):
    def discriminate(self, samples, labels, training=True):
        self.seen_labels.append(np.array(labels))
        return super().discriminate(samples, labels, training)


@pytest.mark.parametrize("conditioning", ["projection", "concat"])
def test_trains_on_image_label_pairs_and_the_label_changes_the_output(conditioning):
    model = _model(conditioning)
    images, labels = _data()
    history = model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(16), epochs=1, verbose=0,
                        shuffle=False).history
    assert all(np.isfinite(v[0]) for v in history.values())
    z = model.sample_latents(4, seed=0)
    as_zero = model.generator([z, tf.zeros(4, tf.int32)])
    as_two = model.generator([z, tf.fill([4], 2)])
    assert np.abs(np.asarray(as_zero) - np.asarray(as_two)).max() > 1e-4
    x = images[:4]
    assert np.abs(np.asarray(model.discriminator([x, np.zeros(4, np.int32)])) -
                  np.asarray(model.discriminator([x, np.full(4, 2, np.int32)]))).max() > 0


def test_fakes_are_judged_with_the_real_minibatch_labels():
    generator = networks.build_dcgan_generator(latent_dim=4, image_shape=(8, 8, 1), width=4, num_classes=NUM_CLASSES)
    discriminator = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, num_classes=NUM_CLASSES)
    model = RecordingConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES, seed=0)
    model.compile(run_eagerly=True)
    model.seen_labels = []
    images, labels = _data()
    model.fit(tf.data.Dataset.from_tensors((images[:8], labels[:8])), epochs=1, verbose=0)
    assert len(model.seen_labels) == 3  # D step: real and fake; G step: fake
    for seen in model.seen_labels:
        np.testing.assert_array_equal(seen, labels[:8])


def test_unlabelled_data_is_refused_with_a_clear_error():
    model = _model()
    images, _ = _data()
    with pytest.raises(ValueError, match="trains on \\(samples, labels\\) pairs"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(16), epochs=1, verbose=0, shuffle=False)


def test_generate_takes_labels_and_checks_them(tmp_path):
    model = _model()
    assert model.generate(5).shape == (5, 8, 8, 1)
    np.testing.assert_array_equal(model.default_labels(5), [0, 1, 2, 0, 1])
    np.testing.assert_allclose(model.generate(2, labels=1, seed=3), model.generate(2, labels=[1, 1], seed=3))
    with pytest.raises(ValueError, match="labels must be integers in \\[0, 2\\]"):
        model.generate(2, labels=3)
    model.save(tmp_path / "cgan.keras")
    restored = keras.models.load_model(tmp_path / "cgan.keras")
    assert restored.num_classes == NUM_CLASSES
    np.testing.assert_allclose(restored.generate(4, seed=2), model.generate(4, seed=2), atol=1e-6)


def test_networks_must_take_labels():
    generator = networks.build_dcgan_generator(latent_dim=4, image_shape=(8, 8, 1), width=4)
    discriminator = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, num_classes=NUM_CLASSES)
    with pytest.raises(ValueError, match="takes two inputs"):
        ConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES)
    with pytest.raises(ValueError, match="packing must be 1"):
        networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, num_classes=3, packing=2)

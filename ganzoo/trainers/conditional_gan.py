"""The class-conditional GAN (Mirza & Osindero 2014): both players see the class label."""

import keras
import numpy as np
import tensorflow as tf

from ganzoo.trainers.base import InferenceSignature, check_functional
from ganzoo.trainers.gan import GAN


@keras.saving.register_keras_serializable(package="ganzoo")
class ConditionalGAN(GAN):
    """A `GAN` whose generator maps [z, label] -> x and whose discriminator maps [x, label] -> logit
    (build them with `num_classes=` in `ganzoo.networks`; projection or concatenation in D).

    Training data are (samples, integer labels) pairs (`ganzoo.data.load(..., with_labels=True)`).
    Each fake in a minibatch is generated for the label of the real sample at the same position, so
    fakes and reals share the class distribution of the data. Every loss family, k discriminator steps
    and the gradient penalty work as in `GAN`."""

    example_parts = ("samples", "labels")

    def __init__(self, generator, discriminator, *, num_classes, **kwargs):
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2. Received: num_classes={num_classes!r}")
        check_functional(type(self).__name__, generator=generator, discriminator=discriminator)
        for role, network in (("generator", generator), ("discriminator", discriminator)):
            if len(network.inputs) != 2:
                raise ValueError(f"A conditional {role} takes two inputs ([{'z' if role == 'generator' else 'x'}, "
                                 f"label]). Received: a {role} with {len(network.inputs)} input(s)")
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = num_classes

    def split_condition(self, batch):
        samples, labels = batch
        return samples, tf.cast(tf.reshape(labels, [-1]), tf.int32)

    def generate_fake(self, batch_size, labels, training=True):
        return self.generator([self.sample_latents(batch_size), labels], training=training)

    def discriminate(self, samples, labels, training=True):
        return self.discriminator([samples, labels], training=training)

    def inference_signatures(self):
        """generate(z, labels): latents and integer classes to samples."""
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, "z")
        return {"generate": InferenceSignature("generator", (z, tf.TensorSpec((None,), tf.int32, "labels")))}

    def default_labels(self, n):
        """0, 1, ..., num_classes - 1, 0, 1, ...: every class equally often."""
        return np.arange(n, dtype=np.int32) % self.num_classes

    def generator_inputs(self, z, labels=None):
        """[z, labels] for `generate(n, labels=...)`: one class for all samples, or one per sample
        (default: every class in turn)."""
        n = int(z.shape[0])
        labels = self.default_labels(n) if labels is None else np.broadcast_to(np.asarray(labels), (n,))
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"labels must be integers in [0, {self.num_classes - 1}]. "
                             f"Received: labels in [{labels.min()}, {labels.max()}] of dtype {labels.dtype}")
        return [z, labels.astype(np.int32)]

    def call(self, inputs, training=False):
        """The model applied to [z, labels] is its generator (the EMA copy when there is one)."""
        return self.inference_network("generator")(inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}

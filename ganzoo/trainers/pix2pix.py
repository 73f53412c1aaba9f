"""pix2pix (Isola et al. 2017): paired image-to-image translation with a conditional GAN and L1."""

import keras
from keras import ops

from ganzoo.losses import get_loss_family
from ganzoo.trainers.base import Player, check_functional
from ganzoo.trainers.gan import JSD_FAMILIES
from ganzoo.trainers.translation import ImageTranslator, deserialize_networks, non_negative, serialize_networks

NETWORKS = ("generator", "discriminator")


@keras.saving.register_keras_serializable(package="ganzoo")
class Pix2Pix(ImageTranslator):
    """G: x -> y against a conditional discriminator D(x, y) -> logits (one per patch for a
    PatchGAN), trained on (input, target) pairs.

    G minimises `adversarial_weight * L_cGAN + l1_weight * E|y - G(x)|` (equation 4, lambda = 100);
    D minimises the loss family's discriminator loss on (x, y) as real and (x, G(x)) as fake. The
    paper halves D's objective; under Adam a constant factor leaves the updates unchanged (up to
    Adam's epsilon), so it is not applied. `adversarial_weight=0` gives the L1-only baseline (D still
    trains, so the budget is the same). G's noise is its dropout; see `INFERENCE_MODES` for how it
    runs at test time.

    Reported: d_loss, g_loss (the total), g_adversarial, l1 (mean |y - G(x)| in [-1, 1] units),
    d_real, d_fake (mean sigmoid of the patch logits).
    """

    metric_names = ("d_loss", "g_loss", "g_adversarial", "l1", "d_real", "d_fake")
    layout = "paired"

    def __init__(self, generator, discriminator, *, loss="non_saturating", l1_weight=100.0, adversarial_weight=1.0,
                 seed=None, **kwargs):
        check_functional("Pix2Pix", generator=generator, discriminator=discriminator)
        super().__init__(seed=seed, **kwargs)
        self.loss_family = get_loss_family(loss)
        self.loss = loss
        self.l1_weight = non_negative("l1_weight", l1_weight)
        self.adversarial_weight = non_negative("adversarial_weight", adversarial_weight)
        if len(discriminator.inputs) != 2:
            raise ValueError("pix2pix's discriminator is conditional: it takes [input image, output image]. "
                             f"Received: a discriminator with {len(discriminator.inputs)} input(s)")
        condition_channels, image_channels = (int(t.shape[-1]) for t in discriminator.inputs)
        generator_in, generator_out = int(generator.inputs[0].shape[-1]), int(generator.outputs[0].shape[-1])
        if (generator_in, generator_out) != (condition_channels, image_channels):
            raise ValueError(f"The generator maps {generator_in} -> {generator_out} channels but the discriminator "
                             f"judges {condition_channels}-channel inputs with {image_channels}-channel outputs")
        self.generator = generator
        self.discriminator = discriminator
        self.source_shape = tuple(discriminator.inputs[0].shape[1:])  # the training shapes of inputs and targets
        self.target_shape = tuple(discriminator.inputs[1].shape[1:])
        self.finish_networks()

    @property
    def d_loss_is_minus_value(self):
        """-V of the conditional game for the minimax / non-saturating families."""
        return self.loss in JSD_FAMILIES

    def players(self):
        return [Player("discriminator", [self.discriminator], self.discriminator_objective),
                Player("generator", [self.generator], self.generator_objective)]

    def discriminator_objective(self, batch):
        inputs, targets = batch
        fake = ops.stop_gradient(self.generator(inputs, training=True))
        real_logits = self.discriminator([inputs, targets], training=True)
        fake_logits = self.discriminator([inputs, fake], training=True)
        loss = self.loss_family.discriminator_loss(real_logits, fake_logits)
        return loss, {"d_loss": loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                      "d_fake": ops.mean(ops.sigmoid(fake_logits))}

    def generator_objective(self, batch):
        inputs, targets = batch
        fake = self.generator(inputs, training=True)
        adversarial = self.loss_family.generator_loss(self.discriminator([inputs, fake], training=True))
        l1 = ops.mean(ops.abs(targets - fake))
        loss = self.adversarial_weight * adversarial + self.l1_weight * l1
        return loss, {"g_loss": loss, "g_adversarial": adversarial, "l1": l1}

    def get_config(self):
        config = super().get_config()
        config.update(loss=self.loss, l1_weight=self.l1_weight, adversarial_weight=self.adversarial_weight)
        return serialize_networks(config, self, NETWORKS)

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, NETWORKS))

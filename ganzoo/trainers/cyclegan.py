"""CycleGAN (Zhu et al. 2017): unpaired translation between domains A and B with cycle consistency."""

import keras
from keras import ops

from ganzoo.losses import get_loss_family
from ganzoo.trainers.base import Player, check_functional
from ganzoo.trainers.image_pool import ImagePool
from ganzoo.trainers.translation import ImageTranslator, deserialize_networks, non_negative, serialize_networks

NETWORKS = ("generator", "inverse_generator", "discriminator_a", "discriminator_b")


@keras.saving.register_keras_serializable(package="ganzoo")
class CycleGAN(ImageTranslator):
    """G: A -> B (`generator`) and F: B -> A (`inverse_generator`) against D_B (`discriminator_b`,
    real B vs G(a)) and D_A (`discriminator_a`, real A vs F(b)), trained on (a, b) pairs that need
    not correspond (the dataset zips two independently shuffled domains).

    The generators (one player, one optimiser, as in the paper's code) minimise
        L_GAN(G, D_B) + L_GAN(F, D_A) + cycle_weight * (E|F(G(a)) - a| + E|G(F(b)) - b|)
        + identity_weight * (E|G(b) - b| + E|F(a) - a|)
    (equation 3, lambda = 10; the identity term of section 5.2, 0.5 * lambda, needs equal channel
    counts). The discriminators (the other player) minimise the loss family's discriminator loss;
    the default least-squares family is the paper's choice (section 4), with D's objective halved.
    Each D judges fakes drawn through a history `ImagePool` of `pool_size` images (50 in the paper).
    The paper's learning rate (2e-4, constant for 100 epochs then linearly to 0 over 100) is the
    optimisers' job: see `trainers.schedules.ConstantThenLinearDecay` and the zoo configs.

    Reported: d_loss, g_loss (the total), g_adversarial, cycle_loss and identity_loss (the bracketed
    sums above, unweighted), d_real, d_fake (mean raw D outputs over both domains).
    """

    example_parts = ("domain_a", "domain_b")
    directions = {"a_to_b": "generator", "b_to_a": "inverse_generator"}
    inference_networks = ("generator", "inverse_generator")
    layout = "unpaired"
    metric_names = ("d_loss", "g_loss", "g_adversarial", "cycle_loss", "identity_loss", "d_real", "d_fake")

    def __init__(self, generator, inverse_generator, discriminator_a, discriminator_b, *, loss="least_squares",
                 cycle_weight=10.0, identity_weight=5.0, pool_size=50, seed=None, **kwargs):
        check_functional("CycleGAN", generator=generator, inverse_generator=inverse_generator,
                         discriminator_a=discriminator_a, discriminator_b=discriminator_b)
        super().__init__(seed=seed, **kwargs)
        self.loss_family = get_loss_family(loss)
        self.loss = loss
        self.cycle_weight = non_negative("cycle_weight", cycle_weight)
        self.identity_weight = non_negative("identity_weight", identity_weight)
        self.pool_size = pool_size
        shape_a = tuple(discriminator_a.inputs[0].shape[1:])
        shape_b = tuple(discriminator_b.inputs[0].shape[1:])
        for name, network, source, target in (("generator", generator, shape_a, shape_b),
                                              ("inverse_generator", inverse_generator, shape_b, shape_a)):
            channels = (int(network.inputs[0].shape[-1]), int(network.outputs[0].shape[-1]))
            if channels != (source[-1], target[-1]):
                raise ValueError(f"The {name} must map {source[-1]} -> {target[-1]} channels (the discriminators' "
                                 f"domains). Received: {channels[0]} -> {channels[1]}")
        if self.identity_weight > 0 and shape_a[-1] != shape_b[-1]:
            raise ValueError(f"The identity loss feeds each generator images of its output domain, so both domains "
                             f"need the same channels. Received: {shape_a[-1]} and {shape_b[-1]}; "
                             f"set identity_weight=0")
        self.generator, self.inverse_generator = generator, inverse_generator
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.pool_a = ImagePool(pool_size, shape_a, name="pool_a")
        self.pool_b = ImagePool(pool_size, shape_b, name="pool_b")
        self.source_shape, self.target_shape = shape_a, shape_b  # training shapes of domains A and B
        self.finish_networks()

    def players(self):
        return [Player("discriminator", [self.discriminator_a, self.discriminator_b], self.discriminator_objective),
                Player("generator", [self.generator, self.inverse_generator], self.generator_objective)]

    def discriminator_objective(self, batch):
        real_a, real_b = batch
        fake_b = self.pool_b(ops.stop_gradient(self.generator(real_a, training=True)), self.draw_seed())
        fake_a = self.pool_a(ops.stop_gradient(self.inverse_generator(real_b, training=True)), self.draw_seed())
        logits = {"real_a": self.discriminator_a(real_a, training=True),
                  "fake_a": self.discriminator_a(fake_a, training=True),
                  "real_b": self.discriminator_b(real_b, training=True),
                  "fake_b": self.discriminator_b(fake_b, training=True)}
        loss = (self.loss_family.discriminator_loss(logits["real_a"], logits["fake_a"])
                + self.loss_family.discriminator_loss(logits["real_b"], logits["fake_b"]))
        return loss, {"d_loss": loss,
                      "d_real": 0.5 * (ops.mean(logits["real_a"]) + ops.mean(logits["real_b"])),
                      "d_fake": 0.5 * (ops.mean(logits["fake_a"]) + ops.mean(logits["fake_b"]))}

    def generator_objective(self, batch):
        real_a, real_b = batch
        fake_b = self.generator(real_a, training=True)
        fake_a = self.inverse_generator(real_b, training=True)
        adversarial = (self.loss_family.generator_loss(self.discriminator_b(fake_b, training=True))
                       + self.loss_family.generator_loss(self.discriminator_a(fake_a, training=True)))
        cycle = (ops.mean(ops.abs(self.inverse_generator(fake_b, training=True) - real_a))
                 + ops.mean(ops.abs(self.generator(fake_a, training=True) - real_b)))
        loss = adversarial + self.cycle_weight * cycle
        identity = ops.zeros(())
        if self.identity_weight > 0:
            identity = (ops.mean(ops.abs(self.generator(real_b, training=True) - real_b))
                        + ops.mean(ops.abs(self.inverse_generator(real_a, training=True) - real_a)))
            loss = loss + self.identity_weight * identity
        return loss, {"g_loss": loss, "g_adversarial": adversarial, "cycle_loss": cycle, "identity_loss": identity}

    def get_config(self):
        config = super().get_config()
        config.update(loss=self.loss, cycle_weight=self.cycle_weight, identity_weight=self.identity_weight,
                      pool_size=self.pool_size)
        return serialize_networks(config, self, NETWORKS)

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, NETWORKS))

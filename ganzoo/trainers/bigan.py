"""BiGAN (Donahue, Krahenbuhl & Darrell 2017): a generator G and an encoder E play together against a
joint discriminator D(x, z).

D sees (x, E(x)) for data and (G(z), z) for generated pairs. At the optimum the two joint
distributions match, which forces E and G to invert each other: E(G(z)) = z and G(E(x)) = x (the
paper's Theorems 2-3). G and E are one player: one optimiser, one objective.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganzoo.regularizers import r1_penalty
from ganzoo.trainers.base import InferenceSignature, Player, check_functional
from ganzoo.trainers.gan import GAN

BIGAN_LOSSES = ("minimax", "non_saturating")


@keras.saving.register_keras_serializable(package="ganzoo")
class BiGAN(GAN):
    """A `GAN` with an encoder; the discriminator takes [x, z].

    Args:
        generator: z -> x. encoder: x -> z (the latent's shape). discriminator: [x, z] -> logit.
        loss: "minimax" (G and E ascend D's loss) or "non_saturating" (the paper's section 3.4: G and E
            minimise D's loss with real and fake swapped).
        latent_distribution: the prior; "uniform" (U[-1, 1]^d, the paper's choice) by default.
        r1_gamma, r1_every: R1 as in `GAN`, on the joint input (x, E(x)) of data pairs: a penalty that
            keeps a discriminator without spectral norm smooth (default 0: none).
        x_cycle_weight, z_cycle_weight: an option that changes the game (default 0, the pure BiGAN):
            G and E also minimise x_cycle_weight * ||G(E(x)) - x||^2 + z_cycle_weight * ||E(G(z)) - z||^2
            (means over elements), explicit cycle-consistency in the spirit of ALICE (Li et al. 2017,
            section 3), which BiGAN's optimum satisfies but its gradients enforce only weakly.

    Reported besides the losses: `x_reconstruction_error`, mean squared error of G(E(x)) against x,
    and `z_reconstruction_error`, mean squared error of E(G(z)) against z (both measured on the
    generator step's minibatch; they enter the loss only through the cycle weights).
    """

    metric_names = GAN.metric_names + ("x_reconstruction_error", "z_reconstruction_error")
    inference_networks = ("generator", "encoder")
    layout = "joint"
    shares_forward_passes = False  # its objectives make their own passes of G and E

    def __init__(self, generator, discriminator, encoder, *, loss="non_saturating", latent_distribution="uniform",
                 x_cycle_weight=0.0, z_cycle_weight=0.0, **kwargs):
        for name, weight in (("x_cycle_weight", x_cycle_weight), ("z_cycle_weight", z_cycle_weight)):
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
                raise ValueError(f"{name} must be a number >= 0. Received: {name}={weight!r}")
        if kwargs.get("gradient_penalty_weight"):
            raise ValueError("BiGAN has no gradient penalty. Received: gradient_penalty_weight="
                             f"{kwargs['gradient_penalty_weight']!r}")
        if loss not in BIGAN_LOSSES:
            raise ValueError(f"BiGAN's loss must be one of {BIGAN_LOSSES}. Received: loss={loss!r}")
        check_functional("BiGAN", generator=generator, discriminator=discriminator, encoder=encoder)
        if len(discriminator.inputs) != 2:
            raise ValueError(f"BiGAN's discriminator judges pairs: it takes [x, z]. Received: a discriminator with "
                             f"{len(discriminator.inputs)} input(s)")
        super().__init__(generator, discriminator, loss=loss, latent_distribution=latent_distribution, **kwargs)
        encoder_io = (tuple(encoder.inputs[0].shape[1:]), tuple(encoder.outputs[0].shape[1:]))
        if encoder_io != (self.sample_shape, (self.latent_dim,)):
            raise ValueError(f"The encoder must map samples {self.sample_shape} to latents ({self.latent_dim},). "
                             f"Received: an encoder from {encoder_io[0]} to {encoder_io[1]}")
        self.encoder = encoder
        self.x_cycle_weight, self.z_cycle_weight = float(x_cycle_weight), float(z_cycle_weight)
        self.finish_networks()

    def players(self):
        return [
            Player("discriminator", [self.discriminator], self.discriminator_objective, self.discriminator_steps),
            Player("generator", [self.generator, self.encoder], self.generator_objective, 1),
        ]

    def _pair_logits(self, real):
        """Logits of D on (x, E(x)) and on (G(z), z) for a fresh z, plus the tensors involved."""
        z = self.sample_latents(ops.shape(real)[0])
        fake = self.generator(z, training=True)
        encoded = self.encoder(real, training=True)
        real_logits = self.discriminator([real, encoded], training=True)
        fake_logits = self.discriminator([fake, z], training=True)
        return real_logits, fake_logits, z, fake, encoded

    def discriminator_objective(self, real):
        real_logits, fake_logits, *_ = self._pair_logits(real)
        loss = self.loss_family.discriminator_loss(real_logits, fake_logits)
        return loss, {"d_loss": loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                      "d_fake": ops.mean(ops.sigmoid(fake_logits))}

    def r1_objective(self, real):
        """R1 on the joint input of data pairs: gamma / 2 * E||grad_(x, z) D(x, E(x))||^2 (E(x) taken as
        a given input, so only D moves), times the interval r1_every."""
        encoded = ops.stop_gradient(self.encoder(real, training=True))
        penalty = r1_penalty(self.discriminator, [real, encoded])
        return penalty * (self.r1_gamma / 2.0) * self.r1_every, {"r1_penalty": penalty}

    def generator_objective(self, real):
        real_logits, fake_logits, z, fake, encoded = self._pair_logits(real)
        if self.loss == "minimax":
            loss = -self.loss_family.discriminator_loss(real_logits, fake_logits)
        else:  # the labels swapped: G wants (G(z), z) judged real, E wants (x, E(x)) judged fake
            loss = self.loss_family.discriminator_loss(fake_logits, real_logits)
        logs = {"g_loss": loss}
        # the cycle terms, when weighted, train both networks through both passes
        x_error = ops.mean(ops.square(self.generator(self._through(encoded, self.x_cycle_weight),
                                                     training=self.x_cycle_weight > 0) - real))
        z_error = ops.mean(ops.square(self.encoder(self._through(fake, self.z_cycle_weight),
                                                   training=self.z_cycle_weight > 0) - z))
        if self.x_cycle_weight > 0:
            loss = loss + self.x_cycle_weight * x_error
        if self.z_cycle_weight > 0:
            loss = loss + self.z_cycle_weight * z_error
        logs.update(x_reconstruction_error=ops.stop_gradient(x_error), z_reconstruction_error=ops.stop_gradient(z_error))
        return loss, logs

    @staticmethod
    def _through(tensor, weight):
        """`tensor` itself where a cycle term of this weight trains through it, else its stopped copy."""
        return tensor if weight > 0 else ops.stop_gradient(tensor)

    # -- inference ----------------------------------------------------------------------------------

    def inference_signatures(self):
        """generate(z) and encode(x)."""
        x = tf.TensorSpec((None, *self.sample_shape), tf.float32, "x")
        return {**super().inference_signatures(), "encode": InferenceSignature("encoder", (x,))}

    def encode(self, x, batch_size=256):
        """E(x) as a numpy array."""
        return np.asarray(self.inference_network("encoder").predict(np.asarray(x, np.float32), batch_size=batch_size,
                                                                    verbose=0))

    def reconstruct(self, x, batch_size=256):
        """G(E(x)) as a numpy array."""
        return np.asarray(self.inference_network("generator").predict(self.encode(x, batch_size), batch_size=batch_size,
                                                                      verbose=0))

    def interpolate(self, x_from, x_to, steps=8):
        """Samples along the straight line between E(x_from) and E(x_to): (steps, *sample_shape)."""
        if not isinstance(steps, int) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2. Received: steps={steps!r}")
        ends = self.encode(np.stack([np.asarray(x_from), np.asarray(x_to)]))
        weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        latents = (1 - weights) * ends[0] + weights * ends[1]
        return np.asarray(self.inference_network("generator").predict(latents, verbose=0))

    def get_config(self):
        config = {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder)}
        for name in ("x_cycle_weight", "z_cycle_weight"):
            if getattr(self, name):
                config[name] = getattr(self, name)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return super().from_config(config)

"""The original GAN game (Goodfellow et al. 2014) between a generator and a discriminator."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganzoo import distribute
from ganzoo.losses import get_loss_family
from ganzoo.networks.layers import call_coupled_layers
from ganzoo.regularizers import gradient_penalty, interpolate, r1_penalty
from ganzoo.trainers.base import (AdversarialTrainer, InferenceSignature, Phase, Player, bounded_number,
                                  check_functional, positive_int)

LATENT_DISTRIBUTIONS = ("normal", "uniform")
#: Loss families whose discriminator loss is -V(D, G).
JSD_FAMILIES = ("minimax", "non_saturating")


@keras.saving.register_keras_serializable(package="ganzoo")
class GAN(AdversarialTrainer):
    """Generator G: z -> x against discriminator D: x -> logit, trained with `fit`.

    Args:
        generator: a model mapping latents of shape (latent_dim,) to samples.
        discriminator: a model mapping samples to logits (one per sample, or a patch map).
        loss: the adversarial loss family: "minimax" (G descends E[log(1 - D(G(z)))], the
            saturating loss of the paper's equation 1), "non_saturating" (G ascends E[log D(G(z))]),
            "wasserstein", "hinge" or "least_squares".
        discriminator_steps: k, discriminator updates per generator update, each on a fresh real
            minibatch (Algorithm 1); the dataset batch must then hold k minibatches.
        latent_distribution: "normal" (N(0, I)) or "uniform" (U[-1, 1]^d).
        gradient_penalty_weight: lambda of the WGAN-GP penalty on the discriminator (0 = none); any
            loss family may use it (see `ganzoo.regularizers`).
        r1_gamma, r1_every: R1 (Mescheder et al. 2018, eq. 9), gamma / 2 * E||grad_x D(x)||^2 on real
            samples, as a discriminator phase of its own that runs every `r1_every` steps (lazy
            regularisation, Karras et al. 2020, section 3.1: the penalty is then multiplied by the
            interval, and the default optimiser's settings rescaled). Default gamma 0: no R1.
        seed: seeds the model's random stream (latents drawn inside `train_step`).
        single_discriminator_call: whether the discriminator step calls D once on real and fake
            concatenated (the keras.io recipe) rather than once on each. The update is the same
            whenever D treats every example on its own (no batch norm, spectral norm, minibatch std or
            packing: `ganzoo.networks.layers.call_coupled_layers`), and True with such a layer is
            refused; dropout in D then draws other masks from the same distribution. Default False.
        reuse_forward: the generator's step reuses the fakes (and their forward pass) of the
            discriminator's step on the same minibatch instead of generating new ones from fresh
            latents: one generator forward pass fewer per step, but the generator step then sees the
            latents the discriminator was just trained on, which Algorithm 1 does not do. Default False.

    Reported: d_loss, g_loss, mean D(x) and D(G(z)) (sigmoid of the logits), and when used the
    gradient penalty and, for the Wasserstein loss, the critic's estimate E[D(x)] - E[D(G(z))].
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")
    shares_forward_passes = True

    def __init__(self, generator, discriminator, *, loss="non_saturating", discriminator_steps=1,
                 latent_distribution="normal", gradient_penalty_weight=0.0, single_discriminator_call=False,
                 r1_gamma=0.0, r1_every=1, seed=None, **kwargs):
        check_functional(type(self).__name__, generator=generator, discriminator=discriminator)
        super().__init__(seed=seed, **kwargs)
        self.r1_gamma = bounded_number("r1_gamma", r1_gamma)
        self.r1_every = positive_int("r1_every", r1_every)
        self.loss_family = get_loss_family(loss)
        if not isinstance(gradient_penalty_weight, (int, float)) or gradient_penalty_weight < 0:
            raise ValueError(f"gradient_penalty_weight must be a number >= 0. "
                             f"Received: gradient_penalty_weight={gradient_penalty_weight!r}")
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        if self.gradient_penalty_weight > 0:
            self.add_tracker("gradient_penalty")
        if loss == "wasserstein":
            self.add_tracker("wasserstein_estimate")
        if self.r1_gamma > 0:
            self.add_tracker("r1_penalty")
        if not isinstance(discriminator_steps, int) or isinstance(discriminator_steps, bool) or discriminator_steps < 1:
            raise ValueError(f"discriminator_steps must be an integer >= 1. Received: discriminator_steps={discriminator_steps!r}")
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(f"latent_distribution must be one of {LATENT_DISTRIBUTIONS}. "
                             f"Received: latent_distribution={latent_distribution!r}")
        generator_output = tuple(generator.outputs[0].shape[1:])
        discriminator_input = tuple(discriminator.inputs[0].shape[1:])
        if generator_output != discriminator_input:
            raise ValueError(f"The generator's output shape must be the discriminator's input shape. Received: "
                             f"generator output {generator_output}, discriminator input {discriminator_input}")
        if not isinstance(single_discriminator_call, bool):
            raise ValueError(f"single_discriminator_call must be True or False. "
                             f"Received: single_discriminator_call={single_discriminator_call!r}")
        coupled = call_coupled_layers(discriminator) if single_discriminator_call else []
        if coupled:
            raise ValueError(f"single_discriminator_call=True would change the update: the discriminator's layers "
                             f"{coupled} treat a call's examples together (batch statistics, groups) or move on "
                             f"every call, so one call on real and fake is not two calls. Received a discriminator "
                             f"with them; use single_discriminator_call=False")
        self.single_discriminator_call = single_discriminator_call
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.discriminator_steps = discriminator_steps
        self.latent_distribution = latent_distribution
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.sample_shape = generator_output
        self.finish_networks()

    @property
    def d_loss_is_minus_value(self):
        """-V for the minimax / non-saturating discriminator loss with no penalty added."""
        return self.loss in JSD_FAMILIES and self.gradient_penalty_weight == 0

    def players(self):
        return [
            Player("discriminator", [self.discriminator], self.discriminator_objective, self.discriminator_steps),
            Player("generator", [self.generator], self.generator_objective, 1),
        ]

    def phases(self):
        """The players' objectives, with R1 after the discriminator's when r1_gamma > 0."""
        phases = super().phases()
        if self.r1_gamma > 0:
            after = max(index for index, phase in enumerate(phases) if phase.player == "discriminator")
            phases.insert(after + 1, Phase("discriminator", self.r1_objective, every=self.r1_every))
        return phases

    # -- objectives -------------------------------------------------------------------------------
    # A batch is what `train_step` hands an objective; `split_condition` turns it into (real samples,
    # condition). The unconditional game has no condition; `ConditionalGAN` overrides the three hooks.

    def split_condition(self, batch):
        return batch, None

    def generate_fake(self, batch_size, condition, training=True):
        return self.generator(self.sample_latents(batch_size), training=training)

    def discriminate(self, samples, condition, training=True):
        return self.discriminator(samples, training=training)

    def training_fakes(self, real, condition):
        """The fakes a training phase pits against minibatch `real` (one per real example): generated
        once per step for both players under `reuse_forward`."""
        return self.shared_forward("fakes", lambda: self.generate_fake(ops.shape(real)[0], condition))

    def discriminate_real_and_fake(self, real, fake, condition):
        """(D's logits on `real`, on `fake`), from one call on both when `single_discriminator_call`."""
        if not self.single_discriminator_call:
            return self.discriminate(real, condition), self.discriminate(fake, condition)
        both = tf.concat([real, tf.cast(fake, real.dtype)], axis=0)
        conditions = None if condition is None else tf.nest.map_structure(
            lambda part: tf.concat([part, part], axis=0), condition)
        logits = self.discriminate(both, conditions)
        return logits[:ops.shape(real)[0]], logits[ops.shape(real)[0]:]

    def discriminator_objective(self, batch):
        real, condition = self.split_condition(batch)
        fake = ops.stop_gradient(self.training_fakes(real, condition))
        real_logits, fake_logits = self.discriminate_real_and_fake(real, fake, condition)
        loss = self.loss_family.discriminator_loss(real_logits, fake_logits)
        logs = {"d_real": ops.mean(ops.sigmoid(real_logits)), "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        if self.loss == "wasserstein":
            logs["wasserstein_estimate"] = ops.mean(real_logits) - ops.mean(fake_logits)
        if self.gradient_penalty_weight > 0:
            penalty = gradient_penalty(lambda x, training: self.discriminate(x, condition, training),
                                       interpolate(real, fake, self.draw_seed()))
            logs["gradient_penalty"] = penalty
            loss = loss + self.gradient_penalty_weight * penalty
        logs["d_loss"] = loss
        return loss, logs

    def r1_objective(self, batch):
        """gamma / 2 * E||grad_x D(x)||^2 on reals, times the interval r1_every."""
        real, condition = self.split_condition(batch)
        penalty = r1_penalty(lambda x, training: self.discriminate(x, condition, training), real)
        return penalty * (self.r1_gamma / 2.0) * self.r1_every, {"r1_penalty": penalty}

    def generator_objective(self, batch):
        real, condition = self.split_condition(batch)
        fake = self.training_fakes(real, condition)
        loss = self.loss_family.generator_loss(self.discriminate(fake, condition))
        return loss, {"g_loss": loss}

    # -- sampling ---------------------------------------------------------------------------------

    def sample_latents(self, batch_size, seed=None):
        """Latents from the prior; `seed=None` draws from the model's seed stream."""
        if seed is not None:
            return self._prior((batch_size, self.latent_dim), tf.constant([seed, 0], tf.int64))
        seed = self.draw_seed()  # in training: this replica's rows of the global minibatch's latents
        return distribute.per_example(lambda n: self._prior((n, self.latent_dim), seed), batch_size)

    def _prior(self, shape, seed):
        if self.latent_distribution == "uniform":
            return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0, alg="philox")
        return tf.random.stateless_normal(shape, seed, alg="philox")

    def generate(self, n, *, seed=0, batch_size=256, **condition):
        """`n` samples as a numpy array, from latents fixed by the integer `seed`; `condition` (e.g.
        `labels=` for a conditional model) goes to `generator_inputs`."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        z = self.sample_latents(n, seed=seed)
        return np.asarray(self.inference_network("generator").predict(self.generator_inputs(z, **condition), batch_size=batch_size,
                                                 verbose=0))

    def inference_signatures(self):
        """generate(z): latents (batch, latent_dim) to samples."""
        return {"generate": InferenceSignature("generator", (tf.TensorSpec((None, self.latent_dim), tf.float32, "z"),))}

    def generator_inputs(self, z):
        """What the generator is fed at inference for latents `z`: the latents themselves."""
        return z

    def call(self, z, training=False):
        """The model applied to latents is its generator (the EMA copy when there is one)."""
        return self.inference_network("generator")(z, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            loss=self.loss,
            discriminator_steps=self.discriminator_steps,
            latent_distribution=self.latent_distribution,
            gradient_penalty_weight=self.gradient_penalty_weight,
        )
        if self.single_discriminator_call:
            config["single_discriminator_call"] = True
        if self.r1_gamma > 0:
            config.update(r1_gamma=self.r1_gamma, r1_every=self.r1_every)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

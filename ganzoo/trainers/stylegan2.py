"""StyleGAN2's training recipe (Karras et al. 2020; the official code and StyleGAN2-ADA's `loss.py`).

Four phases on the base trainer's schedule:
- discriminator: the non-saturating logistic loss on reals and on fakes;
- discriminator, every `r1_every` steps: R1 on reals (Mescheder et al. 2018), gamma / 2 * ||grad D||^2,
  times the interval (lazy regularisation, section 3.1 and appendix B);
- generator: the non-saturating loss; the batch's mean w updates w_avg;
- generator, every `pl_every` steps: the path-length penalty (section 3.2) on batch / `pl_batch_shrink`
  samples, (||J^T y|| - a)^2 with a the running mean of the lengths (a <- a + pl_decay * (mean - a)),
  times `pl_weight` and the interval.
Each phase draws its own latents. Style mixing (StyleGAN, Karras et al. 2019, section 3.1): with
probability `style_mixing` a sample's layers from a random cutoff in [1, num_ws) on take the w of a
second latent; the cutoff is drawn per sample (the official code draws one per minibatch: the same
mixture in expectation). Adam's settings of a lazily regularised player are rescaled by c = k / (k + 1)
(`AdversarialTrainer.lazy_regularization_ratio`); non-finite gradients are replaced before each update.
The EMA generator (`ema={"half_life_kimg": ..., "ramp": ...}`) is what sampling uses.
"""

import keras
import numpy as np
import tensorflow as tf

from ganzoo import distribute
from ganzoo.networks.stylegan2 import MAPPING_NAME, SYNTHESIS_NAME
from ganzoo.regularizers import path_lengths
from ganzoo.trainers.base import InferenceSignature, Phase, bounded_number, positive_int
from ganzoo.trainers.conditional_gan import ConditionalGAN
from ganzoo.trainers.gan import GAN


@keras.saving.register_keras_serializable(package="ganzoo")
class StyleGAN2(GAN):
    """StyleGAN2 on a generator from `ganzoo.networks.build_stylegan2_generator` (sub-models "mapping"
    and "synthesis") and a discriminator from `build_stylegan2_discriminator`.

    Args:
        r1_gamma: R1 weight gamma (0: none). ADA's rule of thumb: 0.0002 * resolution^2 / batch.
        r1_every: the R1 interval (16 in the paper).
        pl_weight: path-length weight (2 in the paper; 0: none).
        pl_every: the path-length interval (4).
        pl_decay: the running mean's step (0.01).
        pl_batch_shrink: the path-length batch is batch // pl_batch_shrink (2).
        style_mixing: the probability of mixing two latents' styles (0.9; 0: none).
        loss, seed, ema and the rest as in `GAN`.

    Reported besides GAN's: r1_penalty (E||grad D(x)||^2), pl_penalty and pl_mean when used.
    """

    optimizer_defaults = {"learning_rate": 0.0025, "beta_1": 0.0, "beta_2": 0.99}  # ADA's cifar and paper256
    replaces_nonfinite_gradients = True
    #: Its generator step draws its own styles (it tracks their w), so no forward pass is shared.
    shares_forward_passes = False
    #: `generate`, `ganzoo sample` and `ganzoo evaluate` take a truncation psi.
    supports_truncation = True

    def __init__(self, generator, discriminator, *, r1_gamma=10.0, r1_every=16, pl_weight=2.0, pl_every=4,
                 pl_decay=0.01, pl_batch_shrink=2, style_mixing=0.9, **kwargs):
        for name in (MAPPING_NAME, SYNTHESIS_NAME):
            if name not in [layer.name for layer in generator.layers]:
                raise ValueError(f"A StyleGAN2 generator has sub-models named {MAPPING_NAME!r} and {SYNTHESIS_NAME!r} "
                                 f"(build it with ganzoo.networks.build_stylegan2_generator). Received: a generator "
                                 f"with layers {[layer.name for layer in generator.layers]}")
        self.pl_weight = bounded_number("pl_weight", pl_weight)
        self.pl_every = positive_int("pl_every", pl_every)
        self.pl_decay = bounded_number("pl_decay", pl_decay, maximum=1.0)
        self.pl_batch_shrink = positive_int("pl_batch_shrink", pl_batch_shrink)
        self.style_mixing = bounded_number("style_mixing", style_mixing, maximum=1.0)
        super().__init__(generator, discriminator, r1_gamma=r1_gamma, r1_every=r1_every, **kwargs)
        if self.pl_weight > 0:
            self.add_tracker("pl_penalty")
            self.add_tracker("pl_mean")
        self.pl_mean = self.add_weight(shape=(), initializer="zeros", trainable=False, aggregation="mean",
                                       name="pl_mean")

    # -- the networks -----------------------------------------------------------------------------

    @staticmethod
    def _parts(generator):
        return generator.get_layer(MAPPING_NAME), generator.get_layer(SYNTHESIS_NAME)

    @property
    def mapping_network(self):
        """The live mapping network (trained): z (or [z, label]) -> w."""
        return self._parts(self.generator)[0]

    @property
    def synthesis_network(self):
        """The live synthesis network: ws (batch, num_ws, w_dim) -> images."""
        return self._parts(self.generator)[1]

    @property
    def num_ws(self):
        """How many w the synthesis network reads (one per layer: 2 log2(resolution) - 2)."""
        return int(self.synthesis_network.inputs[0].shape[1])

    @property
    def w_dim(self):
        return int(self.synthesis_network.inputs[0].shape[2])

    def phases(self):
        phases = [Phase("discriminator", self.discriminator_objective)]
        if self.r1_gamma > 0:
            phases.append(Phase("discriminator", self.r1_objective, every=self.r1_every))
        phases.append(Phase("generator", self.generator_objective))
        if self.pl_weight > 0:
            phases.append(Phase("generator", self.path_length_objective, every=self.pl_every))
        return phases

    # -- styles -----------------------------------------------------------------------------------

    def mapping_inputs(self, z, condition):
        """What the mapping network takes: z, or [z, labels] for a conditional model."""
        return z if condition is None else [z, condition]

    def broadcast(self, w):
        """(batch, w_dim) -> (batch, num_ws, w_dim): the generator's own `BroadcastW` layer."""
        return self.generator.get_layer("broadcast_w")(w)

    def mix_styles(self, ws, ws_second, seed_cutoff, seed_choice):
        """Per sample: with probability `style_mixing`, the layers from a cutoff drawn uniformly in
        [1, num_ws) on take `ws_second`; otherwise all layers keep `ws`."""
        batch = tf.shape(ws)[0]
        cutoff = distribute.per_example(lambda n: tf.random.stateless_uniform(
            [n], seed_cutoff, minval=1, maxval=self.num_ws, dtype=tf.int32, alg="philox"), batch)
        mixed = distribute.per_example(lambda n: tf.random.stateless_uniform([n], seed_choice, alg="philox"),
                                       batch) < self.style_mixing
        cutoff = tf.where(mixed, cutoff, self.num_ws)
        first = tf.range(self.num_ws)[tf.newaxis, :] < cutoff[:, tf.newaxis]  # (batch, num_ws)
        return tf.where(first[:, :, tf.newaxis], ws, ws_second)

    def training_styles(self, batch_size, condition):
        """(w of the first latents, ws after style mixing) for one phase's fakes."""
        w = self.mapping_network(self.mapping_inputs(self.sample_latents(batch_size), condition), training=True)
        ws = self.broadcast(w)
        if self.style_mixing > 0:
            w_second = self.mapping_network(self.mapping_inputs(self.sample_latents(batch_size), condition),
                                            training=True)
            ws = self.mix_styles(ws, self.broadcast(w_second), self.draw_seed(), self.draw_seed())
        return w, ws

    def generate_fake(self, batch_size, condition, training=True):
        return self.synthesis_network(self.training_styles(batch_size, condition)[1], training=training)

    # -- objectives -------------------------------------------------------------------------------

    def generator_objective(self, batch):
        real, condition = self.split_condition(batch)
        w, ws = self.training_styles(tf.shape(real)[0], condition)
        self.mapping_network.get_layer("w_avg").track(tf.stop_gradient(w))
        fake = self.synthesis_network(ws, training=True)
        loss = self.loss_family.generator_loss(self.discriminate(fake, condition))
        return loss, {"g_loss": loss}

    def path_length_objective(self, batch):
        """pl_weight * E(||J^T y|| - a)^2 with the running mean a updated first, times pl_every."""
        real, condition = self.split_condition(batch)
        size = tf.maximum(tf.shape(real)[0] // self.pl_batch_shrink, 1)
        if condition is not None:  # the labels of the global minibatch's first examples, this replica's share
            first = distribute.all_examples(condition)[:size * distribute.num_replicas()]
            condition = distribute.this_replica_rows(first, size)
        _, ws = self.training_styles(size, condition)
        lengths, _ = path_lengths(self.synthesis_network, ws, self.draw_seed())
        batch_mean = distribute.global_mean(tf.reduce_mean(lengths))  # over the global minibatch
        pl_mean = self.pl_mean + self.pl_decay * (batch_mean - self.pl_mean)
        self.pl_mean.assign(tf.stop_gradient(pl_mean))
        penalty = tf.reduce_mean(tf.square(lengths - tf.stop_gradient(pl_mean)))
        return penalty * self.pl_weight * self.pl_every, {"pl_penalty": penalty, "pl_mean": pl_mean}

    # -- inference --------------------------------------------------------------------------------

    def _inference_parts(self):
        return self._parts(self.inference_network("generator"))

    @property
    def w_avg(self):
        """The tracked mean w (a numpy vector) that truncation pulls toward."""
        return np.asarray(self._inference_parts()[0].get_layer("w_avg").w_avg)

    def mapping(self, z, labels=None, *, truncation=1.0, batch_size=256):
        """w for latents `z` (numpy (n, w_dim)) from the inference generator, truncated toward w_avg:
        w_avg + psi * (w - w_avg) (psi = `truncation`; 1 leaves w as it is)."""
        mapping = self._inference_parts()[0]
        inputs = np.asarray(z, np.float32) if labels is None else [np.asarray(z, np.float32),
                                                                   np.asarray(labels, np.int32)]
        w = np.asarray(mapping.predict(inputs, batch_size=batch_size, verbose=0))
        return self.truncate(w, truncation)

    def truncate(self, w, truncation):
        """w (or ws) pulled toward w_avg by psi = `truncation` (a number in [0, 1] or above)."""
        psi = bounded_number("truncation", truncation)
        average = self._inference_parts()[0].get_layer("w_avg")
        return np.asarray(average.truncate(np.asarray(w, np.float32), psi))

    def synthesis(self, w, *, batch_size=256):
        """Images in [-1, 1] for w (n, w_dim), the same w in every layer, or for ws (n, num_ws, w_dim),
        one per layer (w+, style mixing)."""
        w = np.asarray(w, np.float32)
        if w.ndim == 2:
            w = np.repeat(w[:, None, :], self.num_ws, axis=1)
        if w.ndim != 3 or w.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"synthesis takes w of shape (n, {self.w_dim}) or ws of shape (n, {self.num_ws}, "
                             f"{self.w_dim}). Received: shape {w.shape}")
        return np.clip(self._inference_parts()[1].predict(w, batch_size=batch_size, verbose=0), -1.0, 1.0)

    def inference_signatures(self):
        """generate(z[, labels], psi): truncated samples; mapping(z[, labels], psi): truncated w;
        synthesis(ws): images for ws (batch, num_ws, w_dim). generate = synthesis(w repeated num_ws
        times) of mapping's w. psi is a scalar: 1 leaves w as it is."""
        latent_inputs = super().inference_signatures()["generate"].inputs
        psi = tf.TensorSpec((), tf.float32, "psi")
        ws = tf.TensorSpec((None, self.num_ws, self.w_dim), tf.float32, "ws")
        return {"generate": InferenceSignature("generator", (*latent_inputs, psi)),
                "mapping": InferenceSignature("generator", (*latent_inputs, psi)),
                "synthesis": InferenceSignature("generator", (ws,))}

    def signature_function(self, name, generator):
        """The three signatures from the generator's parts, in TensorFlow ops; images clipped to
        [-1, 1], as `generate` does."""
        mapping, synthesis = self._parts(generator)
        average, broadcast = mapping.get_layer("w_avg"), generator.get_layer("broadcast_w")

        def truncated_w(*inputs):
            z, *condition, psi = inputs
            return average.truncate(mapping(self.mapping_inputs(z, *condition or [None]), training=False), psi)

        def images(ws):
            return tf.clip_by_value(synthesis(ws, training=False), -1.0, 1.0)

        return {"mapping": truncated_w, "synthesis": images,
                "generate": lambda *inputs: images(broadcast(truncated_w(*inputs)))}[name]

    @staticmethod
    def style_mix(ws_coarse, ws_fine, cutoff):
        """Layers [0, cutoff) from `ws_coarse`, the rest from `ws_fine` (both (n, num_ws, w_dim))."""
        ws_coarse, ws_fine = np.asarray(ws_coarse, np.float32), np.asarray(ws_fine, np.float32)
        mixed = ws_coarse.copy()
        mixed[:, cutoff:] = ws_fine[:, cutoff:]
        return mixed

    def generate(self, n, *, seed=0, batch_size=256, truncation=1.0, **condition):
        """`n` samples from latents fixed by `seed`, with truncation psi = `truncation`, clipped to
        [-1, 1] (the synthesis network's output is linear; the official code clips when it converts
        images to 8 bits, and its FID sees the clipped images)."""
        if truncation == 1.0:
            return np.clip(super().generate(n, seed=seed, batch_size=batch_size, **condition), -1.0, 1.0)
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        inputs = self.generator_inputs(self.sample_latents(n, seed=seed), **condition)
        z, labels = (inputs, None) if not isinstance(inputs, list) else inputs
        return self.synthesis(self.mapping(np.asarray(z), labels, truncation=truncation, batch_size=batch_size),
                              batch_size=batch_size)

    def project(self, images, *, w_plus=False, steps=500, learning_rate=0.1, feature_extractor=None,
                feature_weight=1.0, seed=0):
        """Finds w (or ws with `w_plus`) whose image matches each of `images` (numpy (n, H, W, C) in
        [-1, 1]), by Adam on the mean squared pixel error plus `feature_weight` times the squared error
        of `feature_extractor`'s outputs (a Keras model of the images, e.g. the shipped digits
        classifier), starting from w_avg with a little noise and a cosine learning-rate decay (in the
        spirit of the official projector, which uses LPIPS features). Returns w (n, w_dim) or ws
        (n, num_ws, w_dim)."""
        synthesis = self._inference_parts()[1]
        target = tf.constant(np.asarray(images, np.float32))
        if tuple(target.shape[1:]) != tuple(self.sample_shape):
            raise ValueError(f"project takes images of shape (n, {', '.join(map(str, self.sample_shape))}). "
                             f"Received: shape {tuple(target.shape)}")
        count = int(target.shape[0])
        start = np.tile(self.w_avg, (count, 1)).astype(np.float32)
        start += np.random.default_rng(seed).normal(0.0, 0.05, start.shape).astype(np.float32)
        if w_plus:
            start = np.repeat(start[:, None, :], self.num_ws, axis=1)
        w = tf.Variable(start)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        optimizer = keras.optimizers.Adam(schedule, beta_1=0.9, beta_2=0.999)
        target_features = None if feature_extractor is None else feature_extractor(target, training=False)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                ws = w if w_plus else self.broadcast(w)
                produced = synthesis(ws, training=False)
                loss = tf.reduce_mean(tf.square(produced - target))
                if target_features is not None:
                    loss += feature_weight * tf.reduce_mean(tf.square(
                        feature_extractor(produced, training=False) - target_features))
            optimizer.apply([tape.gradient(loss, w)], [w])
            return loss

        for _ in range(positive_int("steps", steps)):
            step()
        return w.numpy()

    def get_config(self):
        config = super().get_config()
        config.update(r1_gamma=self.r1_gamma, r1_every=self.r1_every, pl_weight=self.pl_weight,
                      pl_every=self.pl_every, pl_decay=self.pl_decay, pl_batch_shrink=self.pl_batch_shrink,
                      style_mixing=self.style_mixing)
        return config


@keras.saving.register_keras_serializable(package="ganzoo")
class ConditionalStyleGAN2(StyleGAN2, ConditionalGAN):
    """Class-conditional StyleGAN2 (as in StyleGAN2-ADA): the class enters the mapping network as a
    normalised embedding beside z, and D projects its features on an embedding of the class. Trains on
    (samples, labels) pairs; fakes use the labels of the real minibatch, as in `ConditionalGAN`."""

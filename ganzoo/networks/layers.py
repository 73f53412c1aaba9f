"""Layers shared by the architectures: spectrally normalised dense/conv layers
(Miyato et al. 2018), PacGAN packing (Lin et al. 2018), minibatch standard deviation (Karras et
al. 2018), reflection padding, dropout whose masks do not depend on the number of replicas, and the
normalisation layers by name. All are registered serialisable, so models that use them save and load
in safe mode. `call_coupled_layers` names the layers that make one call on a batch differ from
separate calls on its parts."""

import keras
from keras import ops

from ganzoo import distribute


#: Default group size of `MinibatchStdDev` (Karras et al. 2018 use 4).
MINIBATCH_STD_GROUP = 4


def _check_batch_divides(batch, group, what):
    if batch is not None and batch % group != 0:
        raise ValueError(f"{what} needs a batch size divisible by {group}. Received: batch size {batch}")


class _SpectralNormalized(keras.layers.Layer):
    """Base of the spectrally normalised layers: the kernel is used as W / sigma(W), with sigma the
    largest singular value of W reshaped to (fan_in, units), estimated by one power iteration per
    training call on a persistent vector u (Miyato et al. 2018, Algorithm 1). The raw W is the
    trainable variable and gradients flow through sigma(W); u is non-trainable and moves only when
    `training` is true. Subclasses call `_add_kernel(shape)` in `build`."""

    def __init__(self, units, *, use_bias=True, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def _add_kernel(self, shape):
        self.kernel = self.add_weight(shape=shape, initializer=self.kernel_initializer, name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias") if self.use_bias else None
        self.vector_u = self.add_weight(shape=(1, self.units), initializer=keras.initializers.RandomNormal(seed=0),
                                        trainable=False, aggregation="mean", name="vector_u")

    def normalized_kernel(self, training=False):
        weights = ops.reshape(self.kernel, (-1, self.units))
        v = _unit(ops.matmul(self.vector_u, ops.transpose(weights)))
        u = _unit(ops.matmul(v, weights))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        if training:
            self.vector_u.assign(u)
        sigma = ops.sum(ops.matmul(v, weights) * u)
        return self.kernel / sigma

    def _finish(self, outputs):
        return outputs + self.bias if self.use_bias else outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


def _unit(vector):
    return vector / ops.sqrt(ops.sum(ops.square(vector)) + 1e-12)


@keras.saving.register_keras_serializable(package="ganzoo")
class SpectralDense(_SpectralNormalized):
    """A dense layer (no activation) with a spectrally normalised kernel."""

    def build(self, input_shape):
        self._add_kernel((input_shape[-1], self.units))

    def call(self, inputs, training=False):
        return self._finish(ops.matmul(inputs, self.normalized_kernel(training)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


@keras.saving.register_keras_serializable(package="ganzoo")
class SpectralConv2D(_SpectralNormalized):
    """A channels-last 2D convolution (no activation) with a spectrally normalised kernel; `units` is
    the number of filters."""

    def __init__(self, units, kernel_size, *, strides=1, padding="valid", **kwargs):
        super().__init__(units, **kwargs)
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding

    def build(self, input_shape):
        self._add_kernel((self.kernel_size, self.kernel_size, input_shape[-1], self.units))

    def call(self, inputs, training=False):
        outputs = ops.conv(inputs, self.normalized_kernel(training), strides=self.strides, padding=self.padding)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return keras.layers.Conv2D(self.units, self.kernel_size, strides=self.strides,
                                   padding=self.padding).compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding}


@keras.saving.register_keras_serializable(package="ganzoo")
class Packing(keras.layers.Layer):
    """PacGAN packing (Lin et al. 2018): `packing` consecutive samples become one discriminator input,
    concatenated along the last axis. (B, ..., C) -> (B / packing, ..., packing * C); so the
    discriminator gives one logit per pack, and every pack is all-real or all-fake."""

    def __init__(self, packing, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(packing, int) or isinstance(packing, bool) or packing < 1:
            raise ValueError(f"packing must be an integer >= 1. Received: packing={packing!r}")
        self.packing = packing

    def call(self, inputs):
        _check_batch_divides(inputs.shape[0], self.packing, f"Packing({self.packing})")
        sample_shape = tuple(inputs.shape[1:])
        grouped = ops.reshape(inputs, (-1, self.packing) + sample_shape)
        rank = len(sample_shape)  # move the pack axis next to the channels, then merge them
        order = (0,) + tuple(range(2, rank + 1)) + (1, rank + 1)
        grouped = ops.transpose(grouped, order)
        return ops.reshape(grouped, (-1,) + sample_shape[:-1] + (self.packing * sample_shape[-1],))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.packing
        return (batch,) + tuple(input_shape[1:-1]) + (self.packing * input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "packing": self.packing}


@keras.saving.register_keras_serializable(package="ganzoo")
class MinibatchStdDev(keras.layers.Layer):
    """Minibatch standard deviation (Karras et al. 2018, section 3): splits the batch into groups of
    `group_size`, takes each feature's standard deviation within the group, averages it to one number
    per group and appends it to every member as one extra feature (dense) or channel (conv). A
    discriminator that sees this statistic can tell a collapsed batch from a varied one.

    `num_features` > 1 splits the channels into that many parts with one statistic each (StyleGAN2's
    `mbstd_num_channels`; Karras et al. 2020)."""

    def __init__(self, group_size=MINIBATCH_STD_GROUP, num_features=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 2:
            raise ValueError(f"group_size must be an integer >= 2. Received: group_size={group_size!r}")
        if not isinstance(num_features, int) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError(f"num_features must be an integer >= 1. Received: num_features={num_features!r}")
        self.group_size = group_size
        self.num_features = num_features

    def call(self, inputs):
        batch = inputs.shape[0]
        group = self.group_size if batch is None else min(self.group_size, batch)
        _check_batch_divides(batch, group, f"MinibatchStdDev(group_size={self.group_size})")
        sample_shape = tuple(inputs.shape[1:])
        features, channels = self.num_features, sample_shape[-1]
        if channels % features:
            raise ValueError(f"MinibatchStdDev(num_features={features}) needs channels divisible by {features}. "
                             f"Received: {channels} channels")
        # (groups, group, *spatial, features, channels / features): one statistic per group and feature
        grouped = ops.reshape(inputs, (-1, group) + sample_shape[:-1] + (features, channels // features))
        deviation = ops.sqrt(ops.var(grouped, axis=1) + 1e-8)
        spatial = tuple(range(1, len(sample_shape)))
        statistic = ops.mean(deviation, axis=spatial + (len(sample_shape) + 1,))  # (groups, features)
        statistic = ops.repeat(statistic, group, axis=0)  # one row per member of each group
        statistic = ops.reshape(statistic, (-1,) + (1,) * len(spatial) + (features,))
        statistic = ops.broadcast_to(statistic, ops.shape(inputs)[:-1] + (features,))
        return ops.concatenate([inputs, ops.cast(statistic, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + self.num_features,)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "num_features": self.num_features}


def dense_layer(spectral_norm):
    """The dense layer class of a discriminator: spectrally normalised or plain."""
    return SpectralDense if spectral_norm else keras.layers.Dense


def conv_layer(spectral_norm):
    """The 2D convolution class of a discriminator: spectrally normalised or plain."""
    return SpectralConv2D if spectral_norm else keras.layers.Conv2D


def normalization_layer(kind, init, name):
    """A feature-normalisation layer by name, or None for "none": "batch" (Ioffe & Szegedy 2015, gamma
    drawn from N(1, 0.02) as in DCGAN), "layer" (per sample, as WGAN-GP's critic needs, Gulrajani et
    al. 2017 section 4) or "instance" (per sample and channel, Ulyanov et al. 2016; CycleGAN)."""
    if kind == "batch":
        return keras.layers.BatchNormalization(gamma_initializer=init.normal(0.02, mean=1.0), name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(name=name)
    if kind == "instance":  # one group per channel is instance normalisation (and converts to TFLite)
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if kind == "none":
        return None
    raise ValueError(f"normalization must be 'batch', 'layer', 'instance' or 'none'. Received: {kind!r}")


@keras.saving.register_keras_serializable(package="ganzoo")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by `padding` pixels on each side with their mirror image (no border
    artefacts, as CycleGAN's ResNet generator uses; Zhu et al. 2017, appendix 7.2)."""

    def __init__(self, padding, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(padding, int) or isinstance(padding, bool) or padding < 1:
            raise ValueError(f"padding must be an integer >= 1. Received: padding={padding!r}")
        self.padding = padding

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        grow = lambda side: None if side is None else side + 2 * self.padding  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="ganzoo")
class ReplicaInvariantDropout(keras.layers.Dropout):
    """`keras.layers.Dropout` (Srivastava et al. 2014) whose training masks are drawn for the global
    minibatch under a `tf.distribute` strategy, each replica keeping its examples' rows, so that a
    model trains the same on one device and on several (Keras' own layer gives every replica the same
    masks). On one device it is `keras.layers.Dropout`, bit for bit. Masks are per element
    (`noise_shape` is not supported)."""

    def __init__(self, rate, seed=None, **kwargs):
        if kwargs.get("noise_shape") is not None:
            raise ValueError(f"ReplicaInvariantDropout draws one mask value per element. Received: "
                             f"noise_shape={kwargs['noise_shape']!r}")
        super().__init__(rate, seed=seed, **kwargs)

    def call(self, inputs, training=False):
        if not training or self.rate == 0 or distribute.num_replicas() == 1:
            return super().call(inputs, training=training)
        uniform = distribute.per_example(lambda n: keras.random.uniform(
            (n,) + tuple(inputs.shape[1:]), seed=self.seed_generator, dtype=inputs.dtype), ops.shape(inputs)[0])
        keep = ops.cast(ops.greater_equal(uniform, self.rate), inputs.dtype)
        return inputs * ops.cast(1.0 / (1.0 - self.rate), inputs.dtype) * keep


def call_coupled_layers(network):
    """The names of the layers in `network` (nested ones included) that make one call on two batches
    concatenated compute something other than a call on each: layers whose output for one example
    depends on the others of the call (batch normalisation, minibatch standard deviation, packing) or
    whose state moves on every training call (spectral normalisation's power iteration). Dropout is
    not among them: one call draws other masks than two, from the same distribution."""
    kinds = (keras.layers.BatchNormalization, keras.layers.SpectralNormalization, _SpectralNormalized, Packing,
             MinibatchStdDev)
    return [layer.name for layer in network._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, kinds)]

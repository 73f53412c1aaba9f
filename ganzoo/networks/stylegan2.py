"""StyleGAN2's networks (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN";
the layer structure of the official code and of StyleGAN2-ADA, Karras et al. 2020b), in NHWC.

Generator = mapping network z (+ class) -> w, broadcast to one w per layer ("ws"), then the synthesis
network ws -> image:
- mapping: z normalised by its second moment (pixel norm), `mapping_layers` equalised dense layers
  with lr multiplier 0.01, an optional class embedding (normalised, concatenated to z), and `WAverage`,
  which tracks the mean w that truncation pulls toward;
- synthesis ("skip" architecture, section 4.1): a learned 4x4 constant, then per resolution two
  modulated 3x3 convolutions with demodulation (section 2.2), the first upsampling by 2 (transposed
  convolution followed by the [1, 3, 3, 1] FIR filter), each followed by noise of learned strength,
  bias and leaky ReLU; a toRGB (modulated 1x1, no demodulation) at every resolution, summed over
  resolutions with FIR upsampling.
The modulation scales the activations, not the weights (no grouped convolution): x * s, convolve with
w, then scale each output channel by 1 / sqrt(sum_{i,k} (w_ik s_i)^2 + 1e-8), which is the official
non-fused path and runs on CPU, XLA and TFLite builtins.

Discriminator ("resnet", section 4.1, or "orig" for ADA's CIFAR configuration): fromRGB at full
resolution, then per resolution two 3x3 convolutions, the second downsampling by 2 with the FIR filter,
with a 1x1 downsampling skip and sqrt(0.5) gains (resnet); at 4x4 minibatch standard deviation, a 3x3
convolution and two dense layers. A class-conditional D projects its output on an embedding of the
class (an 8-layer mapping network of the label, as in ADA).

Every weight uses an equalised learning rate (`ganzoo.networks.equalized`). Channels per resolution
are min(channel_base / resolution, channel_max), as in the official code.
"""

import math

import keras
from keras import ops

from ganzoo import distribute
from ganzoo.networks import fir
from ganzoo.networks.dcgan import label_input
from ganzoo.networks.equalized import EqualizedConv2D, EqualizedDense, bias_act
from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import MinibatchStdDev

#: The w of each layer are slices of one (batch, num_ws, w_dim) input; these name the sub-models.
MAPPING_NAME, SYNTHESIS_NAME = "mapping", "synthesis"
DISCRIMINATOR_ARCHITECTURES = ("resnet", "orig")
#: Layers derive up to four seeds of their own (seed, seed + 1, ...); consecutive layers are this far apart.
_SEED_STRIDE = 10


def log2_resolution(image_shape):
    """log2 of the side of a square image whose side is a power of two >= 8; raises otherwise."""
    height, width = int(image_shape[0]), int(image_shape[1])
    exponent = int(round(math.log2(height))) if height > 0 else 0
    if height != width or height < 8 or 2 ** exponent != height:
        raise ValueError(f"StyleGAN2 needs square images whose side is a power of two >= 8. "
                         f"Received: image shape {tuple(image_shape)}")
    return exponent


def channels_at(resolution, channel_base, channel_max):
    """Feature maps at `resolution`: min(channel_base // resolution, channel_max), at least 1."""
    return max(min(channel_base // resolution, channel_max), 1)


def num_ws(resolution):
    """How many w the synthesis network reads: 2 per resolution from 8 up, 1 conv and 1 toRGB at 4."""
    return 2 * int(round(math.log2(resolution))) - 2


# -- layers ----------------------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="ganzoo")
class NormalizeSecondMoment(keras.layers.Layer):
    """x / sqrt(mean(x^2) + 1e-8) over the last axis (StyleGAN's pixel norm of z)."""

    def call(self, inputs):
        return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True) + 1e-8)


@keras.saving.register_keras_serializable(package="ganzoo")
class OneHot(keras.layers.Layer):
    """Integer labels (batch,) -> one-hot float vectors (batch, num_classes)."""

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def call(self, labels):
        return ops.one_hot(ops.cast(labels, "int32"), self.num_classes, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.num_classes,)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="ganzoo")
class WAverage(keras.layers.Layer):
    """The identity on w that keeps w_avg, the running mean of w during training (updated by the
    trainer: w_avg <- mean(w) + beta * (w_avg - mean(w)), beta = 0.995 as in the official code), and
    truncates toward it: w_avg + psi * (w - w_avg) (Karras et al. 2019, section 3)."""

    def __init__(self, beta=0.995, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"w_avg_beta must be in [0, 1). Received: w_avg_beta={beta!r}")
        self.beta = float(beta)

    def build(self, input_shape):
        self.w_avg = self.add_weight(shape=(int(input_shape[-1]),), initializer="zeros", trainable=False,
                                     aggregation="mean", name="w_avg")

    def call(self, w):
        return w

    def track(self, w):
        """One update of w_avg from a batch of w."""
        mean = distribute.global_mean(ops.mean(ops.cast(w, "float32"), axis=0))  # over the global minibatch
        self.w_avg.assign(mean + self.beta * (self.w_avg - mean))

    def truncate(self, w, psi):
        """w pulled toward w_avg: psi = 1 is w itself, psi = 0 is w_avg. Works on w and on ws."""
        w_avg = ops.cast(self.w_avg, w.dtype)
        return w_avg + ops.cast(psi, w.dtype) * (w - w_avg)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


@keras.saving.register_keras_serializable(package="ganzoo")
class BroadcastW(keras.layers.Layer):
    """(batch, w_dim) -> (batch, num_ws, w_dim): the same w for every layer."""

    def __init__(self, num_ws, **kwargs):
        super().__init__(**kwargs)
        self.num_ws = int(num_ws)

    def call(self, w):
        return ops.repeat(ops.expand_dims(w, 1), self.num_ws, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_ws, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_ws": self.num_ws}


@keras.saving.register_keras_serializable(package="ganzoo")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned 4x4 input (N(0, 1)), repeated over the batch of `ws`."""

    def __init__(self, channels, size=4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.size, self.seed = int(channels), int(size), seed

    def build(self, input_shape):
        self.const = self.add_weight(shape=(1, self.size, self.size, self.channels), name="const",
                                     initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed))

    def call(self, ws):
        return ops.repeat(ops.cast(self.const, self.compute_dtype), ops.shape(ws)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size, "seed": self.seed}


def modulated_conv2d(x, kernel, styles, *, up=1, demodulate=True, resample_filter=fir.DEFAULT_FILTER):
    """StyleGAN2's weight (de)modulation applied to activations (section 2.2, non-fused form).

    x: (N, H, W, I); kernel: (k, k, I, O), used as stored; styles: (N, I). Returns (N, up*H, up*W, O):
    conv(x * s, w), each output channel of each sample scaled by 1 / sqrt(sum_{i,kh,kw} (w s_i)^2 + 1e-8)
    when `demodulate`. up = 2: transposed convolution with stride 2, then the FIR filter (gain 4) with
    the official padding, so the output is exactly twice as large."""
    in_channels, out_channels, size = kernel.shape[2], kernel.shape[3], kernel.shape[0]
    x = x * ops.reshape(styles, (-1, 1, 1, in_channels))
    if up == 1:
        x = ops.conv(x, kernel, padding="same")
    else:
        x = ops.conv_transpose(x, ops.transpose(kernel, (0, 1, 3, 2)), strides=up, padding="valid")
        before, after = fir.upsampling_padding(resample_filter, up)
        pad = size // 2
        x = fir.upfirdn2d(x, resample_filter, padding=(pad + before - (size - 1), pad + after - (size - up)),
                          gain=up * up)
    if demodulate:
        energy = ops.matmul(ops.square(styles), ops.sum(ops.square(kernel), axis=(0, 1)))  # (N, O)
        x = x * ops.reshape(ops.rsqrt(energy + 1e-8), (-1, 1, 1, out_channels))
    return x


class _StyledLayer(keras.layers.Layer):
    """Base of the layers that read their own w from ws (batch, num_ws, w_dim): an affine map of it
    (equalised dense, bias 1) gives the per-input-channel styles."""

    def __init__(self, filters, w_index, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.w_index, self.seed = int(filters), int(w_index), seed

    def _build_affine_and_kernel(self, input_shapes, kernel_size):
        in_channels, w_dim = int(input_shapes[0][-1]), int(input_shapes[1][-1])
        self.affine = EqualizedDense(in_channels, bias_init=1.0, seed=self.seed, name="affine")
        self.affine.build((None, w_dim))
        self.kernel = self.add_weight(
            shape=(kernel_size, kernel_size, in_channels, self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0, seed=None if self.seed is None else self.seed + 1))
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def styles(self, ws):
        return self.affine(ops.take(ws, self.w_index, axis=1))

    def compute_output_shape(self, input_shapes):
        x_shape = input_shapes[0]
        return tuple(x_shape[:-1]) + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "w_index": self.w_index, "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganzoo")
class SynthesisLayer(_StyledLayer):
    """One modulated 3x3 convolution of the synthesis network (optionally upsampling by 2), then
    per-pixel noise times a learned strength (one scalar per layer, zero at init, as in the official
    StyleGAN2 code), bias and leaky ReLU (gain sqrt(2)). Called on [x, ws].

    Noise: N(0, 1) drawn afresh in training; at inference a fixed map drawn once (the official
    `noise_mode="const"`), so that sampling and export are deterministic."""

    def __init__(self, filters, w_index, *, up=1, kernel_size=3, use_noise=True,
                 resample_filter=fir.DEFAULT_FILTER, seed=None, **kwargs):
        super().__init__(filters, w_index, seed=seed, **kwargs)
        if up not in (1, 2):
            raise ValueError(f"up must be 1 or 2. Received: up={up!r}")
        self.up, self.kernel_size, self.use_noise = up, int(kernel_size), bool(use_noise)
        self.resample_filter = tuple(float(t) for t in resample_filter)
        self.seed_generator = keras.random.SeedGenerator(None if seed is None else seed + 2)

    def build(self, input_shapes):
        x_shape = input_shapes[0]
        self._build_affine_and_kernel(input_shapes, self.kernel_size)
        side = int(x_shape[1]) * self.up
        if self.use_noise:
            self.noise_strength = self.add_weight(shape=(), initializer="zeros", name="noise_strength")
            self.noise_const = self.add_weight(
                shape=(1, side, side, 1), trainable=False, name="noise_const",
                initializer=keras.initializers.RandomNormal(stddev=1.0, seed=None if self.seed is None else self.seed + 3))

    def call(self, inputs, training=False):
        x, ws = inputs
        x = modulated_conv2d(x, self.kernel, self.styles(ws), up=self.up, resample_filter=self.resample_filter)
        if self.use_noise:
            if training:
                noise = distribute.per_example(lambda n: keras.random.normal(
                    (n, x.shape[1], x.shape[2], 1), seed=self.seed_generator, dtype=x.dtype), ops.shape(x)[0])
            else:
                noise = ops.cast(self.noise_const, x.dtype)
            x = x + noise * ops.cast(self.noise_strength, x.dtype)
        return bias_act(x, self.bias, "lrelu")

    def compute_output_shape(self, input_shapes):
        batch, height, width, _ = input_shapes[0]
        grow = lambda side: None if side is None else side * self.up  # noqa: E731
        return (batch, grow(height), grow(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "up": self.up, "kernel_size": self.kernel_size, "use_noise": self.use_noise,
                "resample_filter": list(self.resample_filter)}


@keras.saving.register_keras_serializable(package="ganzoo")
class ToRGB(_StyledLayer):
    """A modulated 1x1 convolution to image channels without demodulation; the styles are scaled by
    1 / sqrt(in_channels) (the official weight gain). Called on [x, ws]."""

    def build(self, input_shapes):
        self._build_affine_and_kernel(input_shapes, 1)
        self.weight_gain = 1.0 / math.sqrt(int(input_shapes[0][-1]))

    def call(self, inputs):
        x, ws = inputs
        styles = self.styles(ws) * self.weight_gain
        return bias_act(modulated_conv2d(x, self.kernel, styles, demodulate=False), self.bias, "linear")


@keras.saving.register_keras_serializable(package="ganzoo")
class UpsampleImage(keras.layers.Layer):
    """FIR upsampling by 2 of the skip generator's running image."""

    def __init__(self, resample_filter=fir.DEFAULT_FILTER, **kwargs):
        super().__init__(**kwargs)
        self.resample_filter = tuple(float(t) for t in resample_filter)

    def call(self, image):
        return fir.upsample2d(image, self.resample_filter)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)

    def get_config(self):
        return {**super().get_config(), "resample_filter": list(self.resample_filter)}


@keras.saving.register_keras_serializable(package="ganzoo")
class ProjectOnEmbedding(keras.layers.Layer):
    """A conditional D's output: sum(features * class embedding) / sqrt(cmap_dim) (the official
    projection discriminator head). Called on [features, embedding]."""

    def call(self, inputs):
        features, embedding = inputs
        scale = 1.0 / math.sqrt(int(features.shape[-1]))
        return ops.sum(features * embedding, axis=-1, keepdims=True) * scale

    def compute_output_shape(self, input_shapes):
        return (input_shapes[0][0], 1)


# -- networks --------------------------------------------------------------------------------------

def build_stylegan2_mapping(*, latent_dim, w_dim, mapping_layers=8, lr_multiplier=0.01, num_classes=None,
                            w_avg_beta=0.995, track_w_avg=True, seed=None, name=MAPPING_NAME):
    """z (and a label) -> w. With latent_dim = 0 the input is the label only (the conditional D's
    embedding network). `track_w_avg` adds the `WAverage` layer named "w_avg"."""
    if mapping_layers < 1:
        raise ValueError(f"mapping_layers must be >= 1. Received: mapping_layers={mapping_layers!r}")
    seeds = InitializerSeeds(seed, stride=_SEED_STRIDE)
    inputs, parts = [], []
    if latent_dim:
        z = keras.Input((latent_dim,), name="z")
        inputs.append(z)
        parts.append(NormalizeSecondMoment(name="normalize_z")(z))
    if num_classes is not None:
        label = label_input()
        inputs.append(label)
        embedded = EqualizedDense(w_dim, seed=seeds.next_seed(), name="embed")(OneHot(num_classes, name="one_hot")(label))
        parts.append(NormalizeSecondMoment(name="normalize_embedding")(embedded))
    if not parts:
        raise ValueError("A mapping network needs a latent (latent_dim > 0) or classes (num_classes)")
    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate(name="z_and_embedding")(parts)
    for index in range(mapping_layers):
        x = EqualizedDense(w_dim, activation="lrelu", lr_multiplier=lr_multiplier, seed=seeds.next_seed(),
                           name=f"fc{index}")(x)
    if track_w_avg:
        x = WAverage(w_avg_beta, name="w_avg")(x)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], x, name=name)


def build_stylegan2_synthesis(*, w_dim, image_shape, channel_base, channel_max, use_noise=True,
                              resample_filter=fir.DEFAULT_FILTER, seed=None, name=SYNTHESIS_NAME):
    """ws (batch, num_ws, w_dim) -> image (batch, H, W, C), linear output (images live in [-1, 1])."""
    top = log2_resolution(image_shape)
    image_channels = int(image_shape[-1])
    channels = lambda resolution: channels_at(resolution, channel_base, channel_max)  # noqa: E731
    seeds = InitializerSeeds(seed, stride=_SEED_STRIDE)
    ws = keras.Input((num_ws(2 ** top), w_dim), name="ws")
    x = ConstantInput(channels(4), seed=seeds.next_seed(), name="const")(ws)
    x = SynthesisLayer(channels(4), 0, use_noise=use_noise, seed=seeds.next_seed(), name="b4_conv1")([x, ws])
    image = ToRGB(image_channels, 1, seed=seeds.next_seed(), name="b4_torgb")([x, ws])
    w_index = 1
    for exponent in range(3, top + 1):
        resolution = 2 ** exponent
        x = SynthesisLayer(channels(resolution), w_index, up=2, use_noise=use_noise, resample_filter=resample_filter,
                           seed=seeds.next_seed(), name=f"b{resolution}_conv0")([x, ws])
        x = SynthesisLayer(channels(resolution), w_index + 1, use_noise=use_noise, seed=seeds.next_seed(),
                           name=f"b{resolution}_conv1")([x, ws])
        image = UpsampleImage(resample_filter, name=f"b{resolution}_upsample")(image)
        rgb = ToRGB(image_channels, w_index + 2, seed=seeds.next_seed(), name=f"b{resolution}_torgb")([x, ws])
        image = keras.layers.Add(name=f"b{resolution}_image")([image, rgb])
        w_index += 2
    return keras.Model(ws, image, name=name)


def build_stylegan2_generator(*, latent_dim, image_shape, w_dim=512, mapping_layers=8, mapping_lr_multiplier=0.01,
                              channel_base=32768, channel_max=512, use_noise=True, w_avg_beta=0.995,
                              num_classes=None, resample_filter=fir.DEFAULT_FILTER, seed=None, name="generator"):
    """z (or [z, label]) -> image: the mapping network (sub-model "mapping"), w broadcast to every
    layer, the synthesis network (sub-model "synthesis")."""
    mapping = build_stylegan2_mapping(latent_dim=latent_dim, w_dim=w_dim, mapping_layers=mapping_layers,
                                      lr_multiplier=mapping_lr_multiplier, num_classes=num_classes,
                                      w_avg_beta=w_avg_beta, seed=seed)
    synthesis = build_stylegan2_synthesis(w_dim=w_dim, image_shape=image_shape, channel_base=channel_base,
                                          channel_max=channel_max, use_noise=use_noise,
                                          resample_filter=resample_filter, seed=None if seed is None else seed + 5000)
    z = keras.Input((latent_dim,), name="z")
    inputs = [z, label_input()] if num_classes is not None else z
    ws = BroadcastW(synthesis.inputs[0].shape[1], name="broadcast_w")(mapping(inputs))
    return keras.Model(inputs, synthesis(ws), name=name)


def build_stylegan2_discriminator(*, image_shape, channel_base=32768, channel_max=512, architecture="resnet",
                                  mbstd_group_size=4, mbstd_features=1, num_classes=None, mapping_layers=8,
                                  resample_filter=fir.DEFAULT_FILTER, seed=None, name="discriminator"):
    """image (or [image, label]) -> logit (batch, 1)."""
    if architecture not in DISCRIMINATOR_ARCHITECTURES:
        raise ValueError(f"architecture must be one of {list(DISCRIMINATOR_ARCHITECTURES)}. "
                         f"Received: architecture={architecture!r}")
    top = log2_resolution(image_shape)
    channels = lambda resolution: channels_at(resolution, channel_base, channel_max)  # noqa: E731
    residual = architecture == "resnet"
    seeds = InitializerSeeds(seed, stride=_SEED_STRIDE)
    image = keras.Input(tuple(image_shape), name="image")
    x = EqualizedConv2D(channels(2 ** top), 1, activation="lrelu", seed=seeds.next_seed(), name=f"b{2 ** top}_fromrgb")(image)
    for exponent in range(top, 2, -1):
        resolution = 2 ** exponent
        tmp, out = channels(resolution), channels(resolution // 2)
        skip = x
        x = EqualizedConv2D(tmp, 3, activation="lrelu", seed=seeds.next_seed(), name=f"b{resolution}_conv0")(x)
        x = EqualizedConv2D(out, 3, activation="lrelu", down=2, gain=math.sqrt(0.5) if residual else 1.0,
                            resample_filter=resample_filter, seed=seeds.next_seed(), name=f"b{resolution}_conv1")(x)
        if residual:
            skip = EqualizedConv2D(out, 1, down=2, use_bias=False, gain=math.sqrt(0.5), resample_filter=resample_filter,
                                   seed=seeds.next_seed(), name=f"b{resolution}_skip")(skip)
            x = keras.layers.Add(name=f"b{resolution}_residual")([skip, x])
    x = MinibatchStdDev(mbstd_group_size, num_features=mbstd_features, name="b4_mbstd")(x)
    x = EqualizedConv2D(channels(4), 3, activation="lrelu", seed=seeds.next_seed(), name="b4_conv")(x)
    x = keras.layers.Flatten(name="b4_flatten")(x)
    x = EqualizedDense(channels(4), activation="lrelu", seed=seeds.next_seed(), name="b4_fc")(x)
    if num_classes is None:
        return keras.Model(image, EqualizedDense(1, seed=seeds.next_seed(), name="b4_out")(x), name=name)
    cmap_dim = channels(4)
    features = EqualizedDense(cmap_dim, seed=seeds.next_seed(), name="b4_out")(x)
    embedding_network = build_stylegan2_mapping(latent_dim=0, w_dim=cmap_dim, mapping_layers=mapping_layers,
                                                num_classes=num_classes, track_w_avg=False, seed=seeds.next_seed(),
                                                name="label_mapping")
    label = label_input()
    logit = ProjectOnEmbedding(name="projection")([features, embedding_network(label)])
    return keras.Model([image, label], logit, name=name)

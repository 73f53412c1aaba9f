"""Equalised-learning-rate layers (Karras et al. 2018, section 4.1; StyleGAN2's `FullyConnectedLayer`
and `Conv2dLayer`).

A weight is stored as w ~ N(0, 1 / lr_multiplier^2) and used at run time as
    w * lr_multiplier / sqrt(fan_in)
so every layer starts at unit-variance outputs and Adam (whose steps are about the learning rate in
the stored weight whatever the gradient's scale) moves each layer's effective weights at a speed
proportional to lr_multiplier / sqrt(fan_in): the same relative speed in every layer, and 0.01x in
StyleGAN's mapping network. Biases are stored as bias_init and used times lr_multiplier.

Activations follow the official `bias_act`: "linear" (gain 1) or "lrelu" (slope 0.2, gain sqrt(2),
which keeps the variance of a unit Gaussian), times the layer's extra `gain`.
"""

import math

import keras
from keras import ops

from ganzoo.networks import fir

ACTIVATIONS = ("linear", "lrelu")
_ACTIVATION_GAINS = {"linear": 1.0, "lrelu": math.sqrt(2.0)}


def bias_act(x, bias, activation, gain=1.0):
    """x + bias (broadcast over the last axis), then the activation, times its gain and `gain`."""
    if bias is not None:
        x = x + bias
    if activation == "lrelu":
        x = ops.leaky_relu(x, negative_slope=0.2)
    gain = _ACTIVATION_GAINS[activation] * gain
    return x * gain if gain != 1.0 else x


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}. Received: {name}={value!r}")


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with an equalised learning rate (see the module docstring)."""

    def __init__(self, units, *, activation="linear", lr_multiplier=1.0, bias_init=0.0, use_bias=True,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_choice("activation", activation, ACTIVATIONS)
        if not lr_multiplier > 0:
            raise ValueError(f"lr_multiplier must be > 0. Received: lr_multiplier={lr_multiplier!r}")
        self.units, self.activation, self.lr_multiplier = int(units), activation, float(lr_multiplier)
        self.bias_init, self.use_bias, self.seed = float(bias_init), use_bias, seed

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier, seed=self.seed))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=keras.initializers.Constant(self.bias_init)) if self.use_bias else None

    def runtime_kernel(self):
        """The kernel as the layer uses it: stored kernel * lr_multiplier / sqrt(fan_in)."""
        return self.kernel * self.weight_gain

    def call(self, inputs):
        bias = None if self.bias is None else self.bias * self.lr_multiplier
        return bias_act(ops.matmul(inputs, self.runtime_kernel()), bias, self.activation)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init, "use_bias": self.use_bias,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedConv2D(keras.layers.Layer):
    """An NHWC convolution with an equalised learning rate, optionally downsampling by 2 with the FIR
    filter first, as the official `conv2d_resample` does: a 3x3 kernel filters with padding 2 and
    convolves with stride 2; a 1x1 kernel (the residual skip) filters and subsamples, then convolves.
    Otherwise "same" padding. `gain` multiplies the output (sqrt(0.5) in residual blocks)."""

    def __init__(self, filters, kernel_size, *, activation="linear", down=1, use_bias=True, gain=1.0,
                 resample_filter=fir.DEFAULT_FILTER, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("down", down, (1, 2))
        self.filters, self.kernel_size, self.activation = int(filters), int(kernel_size), activation
        self.down, self.use_bias, self.gain = down, use_bias, float(gain)
        self.resample_filter, self.seed = tuple(float(t) for t in resample_filter), seed

    def build(self, input_shape):
        fan_in = int(input_shape[-1]) * self.kernel_size ** 2
        self.weight_gain = 1.0 / math.sqrt(fan_in)
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, int(input_shape[-1]), self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed))
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias") if self.use_bias else None

    def call(self, inputs):
        kernel = self.kernel * self.weight_gain
        if self.down == 1:
            x = ops.conv(inputs, kernel, padding="same")
        elif self.kernel_size == 1:
            x = ops.conv(fir.downsample2d(inputs, self.resample_filter), kernel)
        else:
            before, after = fir.downsampling_padding(self.resample_filter)
            pad = (self.kernel_size - 1) // 2
            x = fir.upfirdn2d(inputs, self.resample_filter, padding=(before + pad, after + pad))
            x = ops.conv(x, kernel, strides=2, padding="valid")
        return bias_act(x, self.bias, self.activation, self.gain)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        shrink = lambda side: None if side is None else side // self.down  # noqa: E731
        return (batch, shrink(height), shrink(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "activation": self.activation, "down": self.down, "use_bias": self.use_bias, "gain": self.gain,
                "resample_filter": list(self.resample_filter), "seed": self.seed}

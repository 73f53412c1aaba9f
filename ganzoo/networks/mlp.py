"""Multilayer perceptrons for the original GAN on low-dimensional data (Goodfellow et al. 2014)."""

import math

import keras

from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import MinibatchStdDev, Packing, ReplicaInvariantDropout, dense_layer


def hidden_stack(x, hidden_units, activation, init, name, batch_norm=False, dense=keras.layers.Dense, dropout=0.0):
    """Dense layers (optionally batch-normalised before the activation, optionally followed by seeded
    dropout), one per entry of `hidden_units`."""
    for index, units in enumerate(hidden_units):
        x = dense(units, use_bias=not batch_norm, kernel_initializer=init.glorot_uniform(),
                  name=f"{name}_dense_{index}")(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"{name}_bn_{index}")(x)
        x = keras.layers.Activation(activation, name=f"{name}_{activation}_{index}")(x)
        if dropout > 0:
            x = ReplicaInvariantDropout(dropout, seed=init.next_seed(), name=f"{name}_dropout_{index}")(x)
    return x


def flat_input(inputs, input_scale, name):
    """Flattens a sample and divides it by `input_scale` (the data's extent)."""
    x = keras.layers.Flatten(name=f"{name}_flatten")(inputs)
    if input_scale != 1.0:
        x = keras.layers.Rescaling(1.0 / input_scale, name=f"{name}_input_scale")(x)
    return x


def build_mlp_generator(*, latent_dim, output_shape, hidden_units=(128, 128), activation="relu",
                        output_activation="linear", batch_norm=False, output_scale=1.0, seed=None,
                        name="generator"):
    """z of shape (latent_dim,) -> a sample of `output_shape` through dense layers (optionally with
    batch norm before each hidden activation, as in the PacGAN/VEEGAN 2D experiments).

    `output_scale` multiplies the output: set it to the data's extent (4 for the grid) so that the
    network works at unit scale. Without it, modes far from the origin need biases of several units,
    which Adam reaches only slowly, and samples smear along rays from the origin."""
    init = InitializerSeeds(seed)
    z = keras.Input((latent_dim,), name="z")
    x = hidden_stack(z, hidden_units, activation, init, name, batch_norm)
    x = keras.layers.Dense(math.prod(output_shape), activation=output_activation,
                           kernel_initializer=init.glorot_uniform(), name=f"{name}_output")(x)
    if output_scale != 1.0:
        x = keras.layers.Rescaling(output_scale, name=f"{name}_output_scale")(x)
    x = keras.layers.Reshape(tuple(output_shape), name=f"{name}_reshape")(x)
    return keras.Model(z, x, name=name)


def build_mlp_discriminator(*, input_shape, hidden_units=(128, 128), activation="leaky_relu",
                            input_scale=1.0, spectral_norm=False, packing=1, minibatch_std=False, dropout=0.0,
                            seed=None, name="discriminator"):
    """A sample of `input_shape` -> one logit through dense layers; inputs are divided by
    `input_scale` (the data's extent) first, for the reason given in `build_mlp_generator`.

    Options shared with every discriminator (see `networks.layers`): `spectral_norm` on every dense
    layer, `packing` m > 1 (one logit per m consecutive samples, PacGAN), `minibatch_std` (a
    minibatch standard-deviation feature before the logit). `dropout` after each hidden layer (as
    ALI's discriminator, Dumoulin et al. 2017)."""
    init = InitializerSeeds(seed)
    inputs = keras.Input(tuple(input_shape), name="x")
    x = flat_input(inputs, input_scale, name)
    if packing > 1:  # packing after scaling: the same numbers, since scaling is per element
        x = Packing(packing, name=f"{name}_packing")(x)
    dense = dense_layer(spectral_norm)
    x = hidden_stack(x, hidden_units, activation, init, name, dense=dense, dropout=dropout)
    if minibatch_std:
        x = MinibatchStdDev(name=f"{name}_minibatch_std")(x)
    logits = dense(1, kernel_initializer=init.glorot_uniform(), name=f"{name}_logit")(x)
    return keras.Model(inputs, logits, name=name)

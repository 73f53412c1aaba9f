"""BiGAN's extra networks (Donahue, Krahenbuhl & Darrell 2017): an encoder E: x -> z, and a joint
discriminator D(x, z) that judges (sample, latent) pairs. MLP versions for 2D data and DCGAN-style
convolutional versions for images; the generator is any of the usual ones."""

import keras

from ganzoo.networks.dcgan import dcgan_discriminator_features
from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import MinibatchStdDev, dense_layer
from ganzoo.networks.mlp import flat_input, hidden_stack


def _check_joint_options(packing):
    if packing > 1:
        raise ValueError(f"A joint discriminator judges one (x, z) pair at a time, so packing must be 1. "
                         f"Received: packing={packing}")


def build_mlp_encoder(*, input_shape, latent_dim, hidden_units=(128, 128), activation="relu", input_scale=1.0,
                      batch_norm=False, seed=None, name="encoder"):
    """x -> z through dense layers (optionally batch-normalised, as the BiGAN paper's networks) with a
    linear output (the prior's support is left to training)."""
    init = InitializerSeeds(seed)
    inputs = keras.Input(tuple(input_shape), name="x")
    x = hidden_stack(flat_input(inputs, input_scale, name), hidden_units, activation, init, name, batch_norm)
    z = keras.layers.Dense(latent_dim, kernel_initializer=init.glorot_uniform(), name=f"{name}_z")(x)
    return keras.Model(inputs, z, name=name)


def build_mlp_joint_discriminator(*, input_shape, latent_dim, hidden_units=(128, 128), activation="leaky_relu",
                                  input_scale=1.0, spectral_norm=False, packing=1, minibatch_std=False, dropout=0.0,
                                  separate_scores=False, z_hidden_units=(), seed=None, name="discriminator"):
    """[x, z] -> logits of the pair (with `dropout` after each dense layer, as ALI's joint
    discriminator, Dumoulin et al. 2017).

    By default the flattened sample and the latent (after the `z_hidden_units` layers of a z path,
    when given) are concatenated and judged by the `hidden_units` layers: one logit.

    With `separate_scores` (BigBiGAN, Donahue & Simonyan 2019, section 2): x passes the `hidden_units`
    layers alone (F), z the `z_hidden_units` layers alone (H), and one more layer of hidden_units[-1]
    units judges the two together (J); three logits (s_x, s_z, s_xz) come out, each of which the
    adversarial loss (a mean over elements) scores as its own real/fake decision, so D must also tell
    data from generated samples by x alone and prior draws from encodings by z alone."""
    _check_joint_options(packing)
    if separate_scores and not hidden_units:
        raise ValueError("separate_scores needs at least one hidden layer for x's path. Received: hidden_units=[]")
    if separate_scores and minibatch_std:
        raise ValueError("separate_scores and minibatch_std do not combine (which of the three paths would get the "
                         "feature?). Received: separate_scores=True, minibatch_std=True")
    init = InitializerSeeds(seed)
    x_in, z_in = keras.Input(tuple(input_shape), name="x"), keras.Input((latent_dim,), name="z")
    dense = dense_layer(spectral_norm)
    x_flat = flat_input(x_in, input_scale, name)
    z_features = hidden_stack(z_in, z_hidden_units, activation, init, f"{name}_z", dense=dense, dropout=dropout)
    if separate_scores:
        x_features = hidden_stack(x_flat, hidden_units, activation, init, f"{name}_x", dense=dense, dropout=dropout)
        joint = keras.layers.Concatenate(name=f"{name}_x_and_z")([x_features, z_features])
        h = hidden_stack(joint, hidden_units[-1:], activation, init, f"{name}_joint", dense=dense, dropout=dropout)
        scores = [dense(1, kernel_initializer=init.glorot_uniform(), name=f"{name}_{path}_logit")(features)
                  for path, features in (("x", x_features), ("z", z_features), ("xz", h))]
        logits = keras.layers.Concatenate(name=f"{name}_logits")(scores)
        return keras.Model([x_in, z_in], logits, name=name)
    joint = keras.layers.Concatenate(name=f"{name}_x_and_z")([x_flat, z_features])
    h = hidden_stack(joint, hidden_units, activation, init, name, dense=dense, dropout=dropout)
    if minibatch_std:
        h = MinibatchStdDev(name=f"{name}_minibatch_std")(h)
    logits = dense(1, kernel_initializer=init.glorot_uniform(), name=f"{name}_logit")(h)
    return keras.Model([x_in, z_in], logits, name=name)


def build_dcgan_encoder(*, image_shape, latent_dim, width=64, kernel_size=4, normalization="batch", seed=None,
                        name="encoder"):
    """image -> z: the DCGAN discriminator's convolutional body, then a linear layer to the latent."""
    init = InitializerSeeds(seed)
    inputs = keras.Input(tuple(image_shape), name="image")
    features = dcgan_discriminator_features(inputs, width=width, kernel_size=kernel_size,
                                            normalization=normalization, init=init, name=name)
    z = keras.layers.Dense(latent_dim, kernel_initializer=init.normal(0.02), name=f"{name}_z")(features)
    return keras.Model(inputs, z, name=name)


def build_dcgan_joint_discriminator(*, image_shape, latent_dim, width=64, kernel_size=4, normalization="batch",
                                    spectral_norm=False, packing=1, minibatch_std=False, separate_scores=False,
                                    seed=None, name="discriminator"):
    """[image, z] -> one logit: convolutional features of the image and a dense embedding of z are
    concatenated and judged by two dense layers (the BiGAN paper's joint discriminator). With
    `separate_scores`, three logits (s_x, s_z, s_xz) from the image features, the z embedding and the
    joint layer (BigBiGAN, Donahue & Simonyan 2019), as in `build_mlp_joint_discriminator`."""
    _check_joint_options(packing)
    init = InitializerSeeds(seed)
    x_in, z_in = keras.Input(tuple(image_shape), name="image"), keras.Input((latent_dim,), name="z")
    features = dcgan_discriminator_features(x_in, width=width, kernel_size=kernel_size, normalization=normalization,
                                            spectral_norm=spectral_norm, minibatch_std=minibatch_std, init=init,
                                            name=name)
    dense = dense_layer(spectral_norm)
    units = 8 * width
    z_features = keras.layers.LeakyReLU(0.2, name=f"{name}_z_lrelu")(
        dense(units, kernel_initializer=init.normal(0.02), name=f"{name}_z_dense")(z_in))
    joint = keras.layers.Concatenate(name=f"{name}_x_and_z")([features, z_features])
    h = keras.layers.LeakyReLU(0.2, name=f"{name}_joint_lrelu")(
        dense(units, kernel_initializer=init.normal(0.02), name=f"{name}_joint_dense")(joint))
    if separate_scores:
        logits = keras.layers.Concatenate(name=f"{name}_logits")(
            [dense(1, kernel_initializer=init.normal(0.02), name=f"{name}_{path}_logit")(features)
             for path, features in (("x", features), ("z", z_features), ("xz", h))])
    else:
        logits = dense(1, kernel_initializer=init.normal(0.02), name=f"{name}_logit")(h)
    return keras.Model([x_in, z_in], logits, name=name)

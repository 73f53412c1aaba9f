"""DCGAN generator and discriminator (Radford, Metz & Chintala 2016, section 3).

The architecture guidelines: strided convolutions instead of pooling (transposed in G), batch norm in
both networks except G's output and D's input layer, ReLU in G with a tanh output, LeakyReLU(0.2) in D,
weights drawn from N(0, 0.02). Images are NHWC in [-1, 1]; the side must be 4 * 2^n with n >= 1.
"""

import keras

from ganzoo.networks.initializers import InitializerSeeds


def _upsamplings(image_size):
    """Number of stride-2 stages between a 4x4 map and `image_size`; raises for other sizes."""
    stages, size = 0, 4
    while size < image_size:
        size, stages = size * 2, stages + 1
    if size != image_size or stages == 0:
        raise ValueError(
            f"DCGAN needs a square image whose side is 4 * 2^n (8, 16, 32, 64, ...). "
            f"Received: image_size={image_size}"
        )
    return stages


def _batch_norm(init, name):
    return keras.layers.BatchNormalization(gamma_initializer=init.normal(0.02, mean=1.0), name=name)


def build_dcgan_generator(*, latent_dim, image_shape, width=64, kernel_size=4, seed=None, name="generator"):
    """z -> image. `width` is the number of filters of the last hidden layer; it doubles per stage
    towards the 4x4 projection (64 gives the paper's 1024-512-256-128 stack at 64x64)."""
    height, image_width, channels = image_shape
    stages = _upsamplings(height)
    if image_width != height:
        raise ValueError(f"DCGAN needs square images. Received: image_shape={tuple(image_shape)}")
    init = InitializerSeeds(seed)
    z = keras.Input((latent_dim,), name="z")
    filters = width * 2 ** (stages - 1)
    x = keras.layers.Dense(4 * 4 * filters, use_bias=False, kernel_initializer=init.normal(0.02),
                           name=f"{name}_project")(z)
    x = keras.layers.Reshape((4, 4, filters), name=f"{name}_reshape")(x)
    x = _batch_norm(init, f"{name}_bn_project")(x)
    x = keras.layers.ReLU(name=f"{name}_relu_project")(x)
    for stage in range(1, stages):
        filters //= 2
        x = keras.layers.Conv2DTranspose(filters, kernel_size, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=init.normal(0.02), name=f"{name}_deconv_{stage}")(x)
        x = _batch_norm(init, f"{name}_bn_{stage}")(x)
        x = keras.layers.ReLU(name=f"{name}_relu_{stage}")(x)
    x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same", activation="tanh",
                                     kernel_initializer=init.normal(0.02), name=f"{name}_output")(x)
    return keras.Model(z, x, name=name)


def build_dcgan_discriminator(*, image_shape, width=64, kernel_size=4, seed=None, name="discriminator"):
    """image -> one logit, halving the side per strided convolution down to 4x4."""
    stages = _upsamplings(image_shape[0])
    init = InitializerSeeds(seed)
    inputs = keras.Input(tuple(image_shape), name="image")
    x = inputs
    filters = width
    for stage in range(stages):
        x = keras.layers.Conv2D(filters, kernel_size, strides=2, padding="same", use_bias=stage == 0,
                                kernel_initializer=init.normal(0.02), name=f"{name}_conv_{stage}")(x)
        if stage > 0:  # no batch norm on the discriminator's input layer
            x = _batch_norm(init, f"{name}_bn_{stage}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{name}_lrelu_{stage}")(x)
        filters *= 2
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    logits = keras.layers.Dense(1, kernel_initializer=init.normal(0.02), name=f"{name}_logit")(x)
    return keras.Model(inputs, logits, name=name)

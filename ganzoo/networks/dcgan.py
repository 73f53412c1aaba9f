"""DCGAN generator and discriminator (Radford, Metz & Chintala 2016, section 3).

The architecture guidelines: strided convolutions instead of pooling (transposed in G), batch norm in
both networks except G's output and D's input layer, ReLU in G with a tanh output, LeakyReLU(0.2) in D,
weights drawn from N(0, 0.02). Images are NHWC in [-1, 1]; the side must be 4 * 2^n with n >= 1.
"""

import keras

from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import MinibatchStdDev, Packing, conv_layer, dense_layer, normalization_layer


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


def label_input(name="label"):
    """The integer class-label input of a class-conditional network: shape (batch,)."""
    return keras.Input((), dtype="int32", name=name)


def build_dcgan_generator(*, latent_dim, image_shape, width=64, kernel_size=4, num_classes=None, seed=None,
                          name="generator"):
    """z -> image. `width` is the number of filters of the last hidden layer; it doubles per stage
    towards the 4x4 projection (64 gives the paper's 1024-512-256-128 stack at 64x64).

    With `num_classes`, the model takes [z, label] and a learned label embedding (of size latent_dim)
    is concatenated to z, as in the conditional GAN of Mirza & Osindero 2014."""
    height, image_width, channels = image_shape
    stages = _upsamplings(height)
    if image_width != height:
        raise ValueError(f"DCGAN needs square images. Received: image_shape={tuple(image_shape)}")
    init = InitializerSeeds(seed)
    z = keras.Input((latent_dim,), name="z")
    inputs, x = z, z
    if num_classes is not None:
        label = label_input()
        embedded = keras.layers.Embedding(num_classes, latent_dim, embeddings_initializer=init.normal(1.0),
                                          name=f"{name}_label_embedding")(label)
        inputs, x = [z, label], keras.layers.Concatenate(name=f"{name}_z_and_label")([z, embedded])
    filters = width * 2 ** (stages - 1)
    x = keras.layers.Dense(4 * 4 * filters, use_bias=False, kernel_initializer=init.normal(0.02),
                           name=f"{name}_project")(x)
    x = keras.layers.Reshape((4, 4, filters), name=f"{name}_reshape")(x)
    x = normalization_layer("batch", init, f"{name}_bn_project")(x)
    x = keras.layers.ReLU(name=f"{name}_relu_project")(x)
    for stage in range(1, stages):
        filters //= 2
        x = keras.layers.Conv2DTranspose(filters, kernel_size, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=init.normal(0.02), name=f"{name}_deconv_{stage}")(x)
        x = normalization_layer("batch", init, f"{name}_bn_{stage}")(x)
        x = keras.layers.ReLU(name=f"{name}_relu_{stage}")(x)
    x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same", activation="tanh",
                                     kernel_initializer=init.normal(0.02), name=f"{name}_output")(x)
    return keras.Model(inputs, x, name=name)


NORMALIZATIONS = ("batch", "layer", "none")


def dcgan_discriminator_features(inputs, *, width=64, kernel_size=4, normalization="batch", spectral_norm=False,
                                 packing=1, minibatch_std=False, init, name="discriminator"):
    """The convolutional body of the DCGAN discriminator: image -> flat features of the last 4x4 map,
    halving the side per strided convolution. Options shared with every discriminator (see
    `networks.layers`): `packing`, `spectral_norm`, `minibatch_std` (one extra channel at 4x4)."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}. Received: normalization={normalization!r}")
    stages = _upsamplings(inputs.shape[1])
    x = Packing(packing, name=f"{name}_packing")(inputs) if packing > 1 else inputs
    conv = conv_layer(spectral_norm)
    filters = width
    for stage in range(stages):
        normalize = stage > 0 and normalization != "none"  # none on the discriminator's input layer
        x = conv(filters, kernel_size, strides=2, padding="same", use_bias=not normalize,
                 kernel_initializer=init.normal(0.02), name=f"{name}_conv_{stage}")(x)
        if normalize:
            x = normalization_layer(normalization, init, f"{name}_{normalization[0]}n_{stage}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{name}_lrelu_{stage}")(x)
        filters *= 2
    if minibatch_std:
        x = MinibatchStdDev(name=f"{name}_minibatch_std")(x)
    return keras.layers.Flatten(name=f"{name}_flatten")(x)


CONDITIONINGS = ("projection", "concat")


def build_dcgan_discriminator(*, image_shape, width=64, kernel_size=4, normalization="batch", spectral_norm=False,
                              packing=1, minibatch_std=False, num_classes=None, conditioning="projection", seed=None,
                              name="discriminator"):
    """image -> one logit (per pack of images when `packing` > 1). `normalization`: "batch" (the
    DCGAN paper), "layer" or "none" (for critics with a gradient penalty, which must not mix samples).

    With `num_classes`, the model takes [image, label]. `conditioning="projection"` adds
    <embed(label), features> to the logit (Miyato & Koyama 2018); `"concat"` appends the one-hot
    label to every pixel of the input as extra channels (Mirza & Osindero 2014)."""
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}. Received: conditioning={conditioning!r}")
    if num_classes is not None and packing > 1:
        raise ValueError(f"A class-conditional discriminator judges one labelled image at a time, so packing must "
                         f"be 1. Received: packing={packing}")
    init = InitializerSeeds(seed)
    image = keras.Input(tuple(image_shape), name="image")
    inputs, x = image, image
    if num_classes is not None:
        label = label_input()
        inputs = [image, label]
        if conditioning == "concat":
            one_hot = keras.layers.Embedding(num_classes, num_classes, embeddings_initializer="identity",
                                             trainable=False, name=f"{name}_one_hot")(label)
            maps = keras.layers.Reshape((1, 1, num_classes), name=f"{name}_label_reshape")(one_hot)
            maps = keras.layers.UpSampling2D(tuple(image_shape[:2]), name=f"{name}_label_maps")(maps)
            x = keras.layers.Concatenate(name=f"{name}_image_and_label")([image, maps])
    features = dcgan_discriminator_features(
        x, width=width, kernel_size=kernel_size, normalization=normalization, spectral_norm=spectral_norm,
        packing=packing, minibatch_std=minibatch_std, init=init, name=name)
    dense = dense_layer(spectral_norm)
    logits = dense(1, kernel_initializer=init.normal(0.02), name=f"{name}_logit")(features)
    if num_classes is not None and conditioning == "projection":
        embedded = keras.layers.Embedding(num_classes, features.shape[-1], embeddings_initializer=init.normal(0.02),
                                          name=f"{name}_label_projection")(label)
        projection = keras.layers.Dot(axes=1, name=f"{name}_projection")([embedded, features])
        logits = keras.layers.Add(name=f"{name}_logit_plus_projection")([logits, projection])
    return keras.Model(inputs, logits, name=name)

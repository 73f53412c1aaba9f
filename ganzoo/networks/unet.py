"""pix2pix's U-Net generator (Isola et al. 2017, section 3.2.1 and appendix 6.1.1).

An encoder of stride-2 4x4 convolutions (C64-C128-C256-C512-C512-...) halves the side down to the
bottleneck; a decoder of stride-2 transposed convolutions doubles it back, and each decoder layer's
output is concatenated with the encoder layer of the same size (the skips that carry low-level detail
across the bottleneck). Batch norm everywhere except the first encoder layer, the bottleneck and the
output; LeakyReLU(0.2) in the encoder, ReLU in the decoder, tanh output. Dropout (rate 0.5) in the
first three decoder layers is the generator's only noise source (section 2.1).

The network is fully convolutional: trained at one size, it translates any image whose sides divide
by 2^depth.
"""

import keras

from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import ReplicaInvariantDropout, normalization_layer


def unet_depth(image_size):
    """Stride-2 stages that take `image_size` down to a 1x1 bottleneck (8 at 256 px, the paper's)."""
    depth, size = 0, 1
    while size < image_size:
        size, depth = size * 2, depth + 1
    if size != image_size or depth < 2:
        raise ValueError(f"The U-Net needs a side that is a power of two >= 4 to reach a 1x1 bottleneck "
                         f"(or an explicit depth). Received: image size {image_size}")
    return depth


def build_unet_generator(*, input_shape, output_channels, width=64, depth=None, max_width_multiplier=8,
                         dropout=0.5, dropout_layers=3, normalization="batch", seed=None, name="generator"):
    """image (H, W, C_in) -> image (H, W, output_channels) in [-1, 1].

    `width`: filters of the first encoder layer, doubling per stage up to `max_width_multiplier`
    times it. `depth`: stride-2 stages (default: down to 1x1 at the training size `input_shape`).
    `dropout` in the first `dropout_layers` decoder layers (0 turns it off).
    """
    height, image_width, channels = input_shape
    depth = unet_depth(min(height, image_width)) if depth is None else depth
    if height % 2 ** depth or image_width % 2 ** depth:
        raise ValueError(f"A U-Net of depth {depth} needs sides divisible by {2 ** depth}. "
                         f"Received: input_shape={tuple(input_shape)}")
    init = InitializerSeeds(seed)

    def filters(stage):
        return width * min(2 ** stage, max_width_multiplier)

    inputs = keras.Input((None, None, channels), name="image")
    x, skips = inputs, []
    for stage in range(depth):
        normalize = 0 < stage < depth - 1 and normalization != "none"
        if stage > 0:
            x = keras.layers.LeakyReLU(0.2, name=f"{name}_down_lrelu_{stage}")(x)
        x = keras.layers.Conv2D(filters(stage), 4, strides=2, padding="same", use_bias=not normalize,
                                kernel_initializer=init.normal(0.02), name=f"{name}_down_{stage}")(x)
        if normalize:
            x = normalization_layer(normalization, init, f"{name}_down_norm_{stage}")(x)
        skips.append(x)
    for order, stage in enumerate(reversed(range(depth - 1))):  # up to the size of encoder stage `stage`
        x = keras.layers.ReLU(name=f"{name}_up_relu_{stage}")(x)
        normalize = normalization != "none"
        x = keras.layers.Conv2DTranspose(filters(stage), 4, strides=2, padding="same", use_bias=not normalize,
                                         kernel_initializer=init.normal(0.02), name=f"{name}_up_{stage}")(x)
        if normalize:
            x = normalization_layer(normalization, init, f"{name}_up_norm_{stage}")(x)
        if dropout > 0 and order < dropout_layers:
            x = ReplicaInvariantDropout(dropout, seed=None if seed is None else seed + 500 + order,
                                     name=f"{name}_up_dropout_{stage}")(x)
        x = keras.layers.Concatenate(name=f"{name}_skip_{stage}")([x, skips[stage]])
    x = keras.layers.ReLU(name=f"{name}_out_relu")(x)
    x = keras.layers.Conv2DTranspose(output_channels, 4, strides=2, padding="same",
                                     kernel_initializer=init.normal(0.02), name=f"{name}_out")(x)
    outputs = keras.layers.Activation("tanh", name=f"{name}_tanh")(x)
    return keras.Model(inputs, outputs, name=name)

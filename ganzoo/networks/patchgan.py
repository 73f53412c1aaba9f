"""The PatchGAN discriminator (Isola et al. 2017, section 3.2.2 and appendix 6.1.2).

It classifies every overlapping N x N patch as real or fake and outputs one logit per patch; the
adversarial loss averages them. N, the receptive field, follows from the number of stride-2 layers:
C64-C128-C256 (stride 2) then C512 and the logit layer (stride 1), all 4x4 with one pixel of zero
padding, gives 70x70 and a 30x30 logit map at 256 px. With a condition (pix2pix), the discriminator
sees the input image and the real or generated output concatenated on the channel axis.
"""

import keras

from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import conv_layer, normalization_layer

KERNEL = 4


def patchgan_layers(strided_layers):
    """(kernel, stride) of every convolution of a PatchGAN with `strided_layers` stride-2 layers."""
    return [(KERNEL, 2)] * strided_layers + [(KERNEL, 1), (KERNEL, 1)]


def patchgan_receptive_field(strided_layers):
    """Side of the input patch one output logit sees: 16, 34, 70, 142, 286 for 1..5 strided layers."""
    field = 1
    for kernel, stride in reversed(patchgan_layers(strided_layers)):
        field = (field - 1) * stride + kernel
    return field


#: The receptive fields a PatchGAN can have, and the number of stride-2 layers that gives each.
RECEPTIVE_FIELDS = {patchgan_receptive_field(n): n for n in range(1, 6)}


def patchgan_output_size(image_size, strided_layers):
    """Side of the logit map for a square input of `image_size` pixels."""
    size = image_size
    for kernel, stride in patchgan_layers(strided_layers):
        size = (size + 2 - kernel) // stride + 1
    return size


def build_patchgan_discriminator(*, image_shape, condition_channels=None, receptive_field=70, width=64,
                                 normalization="batch", spectral_norm=False, seed=None, name="discriminator"):
    """image -> logit map (one logit per receptive_field x receptive_field patch); with
    `condition_channels`, [condition, image] -> logit map (pix2pix's conditional discriminator).
    `normalization`: "batch" (pix2pix), "instance" (CycleGAN) or "none"."""
    if receptive_field not in RECEPTIVE_FIELDS:
        raise ValueError(f"receptive_field must be one of {sorted(RECEPTIVE_FIELDS)}. "
                         f"Received: receptive_field={receptive_field!r}")
    strided = RECEPTIVE_FIELDS[receptive_field]
    if patchgan_output_size(min(image_shape[:2]), strided) < 1:
        raise ValueError(f"A {receptive_field}x{receptive_field} PatchGAN needs larger images. "
                         f"Received: image_shape={tuple(image_shape)}")
    init = InitializerSeeds(seed)
    image = keras.Input(tuple(image_shape), name="image")
    inputs, x = image, image
    if condition_channels is not None:
        condition = keras.Input(tuple(image_shape[:2]) + (condition_channels,), name="condition")
        inputs = [condition, image]
        x = keras.layers.Concatenate(name=f"{name}_condition_and_image")([condition, image])
    conv = conv_layer(spectral_norm)
    layers = patchgan_layers(strided)
    for index, (kernel, stride) in enumerate(layers):
        last = index == len(layers) - 1
        normalize = 0 < index and not last and normalization != "none"
        x = keras.layers.ZeroPadding2D(1, name=f"{name}_pad_{index}")(x)
        filters = 1 if last else width * min(2 ** index, 8)
        x = conv(filters, kernel, strides=stride, padding="valid", use_bias=not normalize,
                 kernel_initializer=init.normal(0.02), name=f"{name}_{'logits' if last else f'conv_{index}'}")(x)
        if normalize:
            x = normalization_layer(normalization, init, f"{name}_norm_{index}")(x)
        if not last:
            x = keras.layers.LeakyReLU(0.2, name=f"{name}_lrelu_{index}")(x)
    return keras.Model(inputs, x, name=name)

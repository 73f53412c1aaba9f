"""CycleGAN's ResNet generator (Zhu et al. 2017, appendix 7.2, after Johnson et al. 2016).

c7s1-64, d128, d256, R256 x blocks, u128, u64, c7s1-3: a 7x7 convolution, two stride-2 3x3
convolutions down, residual blocks of two 3x3 convolutions, two stride-2 transposed convolutions up
and a 7x7 convolution to the output with tanh. Instance norm and ReLU after every layer but the last;
reflection padding before the 7x7 and residual convolutions. The paper uses 6 blocks at 128 px and 9
at 256 px. Fully convolutional: it translates any image whose sides divide by 4.
"""

import keras

from ganzoo.networks.initializers import InitializerSeeds
from ganzoo.networks.layers import ReflectionPadding2D, normalization_layer

#: Stride-2 stages down (and up) of the ResNet generator.
DOWNSAMPLINGS = 2


def build_resnet_generator(*, input_shape, output_channels, width=64, blocks=9, normalization="instance",
                           seed=None, name="generator"):
    """image (H, W, C_in) -> image (H, W, output_channels) in [-1, 1]; `width` is the first layer's
    filters (64 in the paper), doubling per downsampling."""
    height, image_width, channels = input_shape
    if height % 2 ** DOWNSAMPLINGS or image_width % 2 ** DOWNSAMPLINGS:
        raise ValueError(f"The ResNet generator needs sides divisible by {2 ** DOWNSAMPLINGS}. "
                         f"Received: input_shape={tuple(input_shape)}")
    init = InitializerSeeds(seed)
    normalize = normalization != "none"

    def conv_norm_relu(x, filters, kernel, label, strides=1, transpose=False, relu=True):
        if kernel > 3 or (kernel == 3 and strides == 1 and not transpose):
            x = ReflectionPadding2D(kernel // 2, name=f"{name}_{label}_pad")(x)
            padding = "valid"
        else:
            padding = "same"
        layer = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
        x = layer(filters, kernel, strides=strides, padding=padding, use_bias=not normalize,
                  kernel_initializer=init.normal(0.02), name=f"{name}_{label}")(x)
        if normalize:
            x = normalization_layer(normalization, init, f"{name}_{label}_norm")(x)
        return keras.layers.ReLU(name=f"{name}_{label}_relu")(x) if relu else x

    inputs = keras.Input((None, None, channels), name="image")
    x = conv_norm_relu(inputs, width, 7, "c7")
    for stage in range(DOWNSAMPLINGS):
        x = conv_norm_relu(x, width * 2 ** (stage + 1), 3, f"down_{stage}", strides=2)
    filters = width * 2 ** DOWNSAMPLINGS
    for block in range(blocks):
        h = conv_norm_relu(x, filters, 3, f"block_{block}_a")
        h = conv_norm_relu(h, filters, 3, f"block_{block}_b", relu=False)
        x = keras.layers.Add(name=f"{name}_block_{block}_add")([x, h])
    for stage in reversed(range(DOWNSAMPLINGS)):
        x = conv_norm_relu(x, width * 2 ** stage, 3, f"up_{stage}", strides=2, transpose=True)
    x = ReflectionPadding2D(3, name=f"{name}_out_pad")(x)
    x = keras.layers.Conv2D(output_channels, 7, padding="valid", kernel_initializer=init.normal(0.02),
                            name=f"{name}_out")(x)
    outputs = keras.layers.Activation("tanh", name=f"{name}_tanh")(x)
    return keras.Model(inputs, outputs, name=name)

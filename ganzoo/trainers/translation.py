"""What the image-to-image games (pix2pix, CycleGAN) share: examples are pairs of images, and
trained generators translate images in one or both directions, in one of two inference modes."""

import keras
import numpy as np
import tensorflow as tf

from ganzoo.trainers.base import AdversarialTrainer, InferenceSignature

#: How a trained generator is run on new images.
#: - "deterministic": inference mode (dropout off, batch norm's moving averages). Reproducible and
#:   exportable; what `translate`, `ganzoo translate` and `model(x)` use unless told otherwise.
#: - "paper": as pix2pix runs its generator at test time (Isola et al. 2017, section 3.3): dropout on
#:   and batch norm with the statistics of the test batch, so dropout is the noise source. The paper's
#:   batch size is 1 (then batch norm is instance norm); a model trained with larger batches meets
#:   the statistics it was trained with when the test batches are as large (`batch_size=`). The
#:   network's moving averages are left untouched, and the dropout masks follow the layers' saved seed
#:   state, so repeated calls give the same outputs.
INFERENCE_MODES = ("deterministic", "paper")


def size_multiple(generator):
    """What the sides of a fully convolutional generator's input must divide by: 2 ** (its stride-2
    convolutions)."""
    strided = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2D)
               and not isinstance(layer, keras.layers.Conv2DTranspose) and tuple(layer.strides) == (2, 2)]
    return 2 ** len(strided)


def pad_to_multiple(images, multiple):
    """`images` (NHWC) padded on the bottom and right to sides that divide by `multiple`, in TensorFlow
    ops. A reflection can add at most side - 1 pixels, so an image smaller than the padding it needs
    (a 13-pixel side padded to 32) is padded in rounds, each at most doubling the side: the first a
    reflection, the others symmetric (the edge pixel included, which also grows a 1-pixel side).
    Images that one reflection pads get exactly that one."""
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    target_height, target_width = height + (-height) % multiple, width + (-width) % multiple
    padded = images
    for round_ in range(int(multiple).bit_length() + 1):
        side_height, side_width = tf.shape(padded)[1], tf.shape(padded)[2]
        reach = 1 if round_ == 0 else 0  # a reflection leaves out the edge pixel
        paddings = [[0, 0], [0, tf.minimum(target_height - side_height, side_height - reach)],
                    [0, tf.minimum(target_width - side_width, side_width - reach)], [0, 0]]
        padded = tf.pad(padded, paddings, mode="REFLECT" if round_ == 0 else "SYMMETRIC")
    # dynamic paddings hide even the channels from the converter, and TFLite's convolutions need them
    return tf.reshape(padded, tf.stack([-1, target_height, target_width, images.shape[-1]]))


def translate_padded(generator, images, multiple, training=False):
    """G(images) for images of any size, in TensorFlow ops: padded by `pad_to_multiple`, translated,
    cropped back. One computation for `translate` and the exported signatures."""
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    padded = pad_to_multiple(images, multiple)
    outputs = generator(padded, training=training)
    return outputs[:, :height, :width]


class ImageTranslator(AdversarialTrainer):
    """Base of the translation games. Subclasses set `example_parts` and `directions` ({name:
    generator attribute}) and store their generators."""

    example_parts = ("inputs", "targets")
    #: {direction name: attribute holding the generator for it}; the first is the default.
    directions = {"forward": "generator"}

    def inference_signatures(self):
        """translate(images) for one direction, or one signature per direction (a_to_b, b_to_a):
        float32 NHWC images in [-1, 1] of any size."""
        names = ["translate"] if len(self.directions) == 1 else list(self.directions)
        return {name: InferenceSignature(attribute, (tf.TensorSpec(
                    (None, None, None, int(getattr(self, attribute).inputs[0].shape[-1])), tf.float32, "images"),))
                for name, attribute in zip(names, self.directions.values())}

    def signature_function(self, name, network):
        """`translate_padded` with the signature's generator: images of any size, as `translate`."""
        return lambda images: translate_padded(network, images, size_multiple(network))

    def generator_for(self, direction):
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {list(self.directions)}. Received: direction={direction!r}")
        return self.inference_network(self.directions[direction])

    def check_images(self, images, direction="forward"):
        """`images` as float32 NHWC in [-1, 1] with the channels the `direction`'s generator takes."""
        generator = self.generator_for(direction)
        images = np.asarray(images, np.float32)
        channels = generator.inputs[0].shape[-1]
        if images.ndim != 4 or images.shape[-1] != channels:
            raise ValueError(f"The {direction} generator takes images of shape (n, height, width, {channels}). "
                             f"Received: shape {images.shape}")
        low, high = float(images.min()), float(images.max())
        if not (np.isfinite(low) and np.isfinite(high)) or low < -1.0001 or high > 1.0001:
            raise ValueError(f"Expected pixel values in [-1, 1]. Received: values in [{low:g}, {high:g}]")
        return images

    def translate(self, images, *, direction=None, mode="deterministic", batch_size=None):
        """Translates a batch of images (float32 NHWC in [-1, 1]) with the generator of `direction`
        (default: the first of `directions`) in one of `INFERENCE_MODES`. Images whose sides do not
        divide by the generator's `size_multiple` are padded for it (`pad_to_multiple`) and cropped back.
        `batch_size`: images per generator call; in "paper" mode also the batch whose statistics batch
        norm uses (default 1, the paper's); in "deterministic" mode it does not change the result."""
        direction = direction or next(iter(self.directions))
        images = self.check_images(images, direction)
        if mode not in INFERENCE_MODES:
            raise ValueError(f"mode must be one of {INFERENCE_MODES}. Received: mode={mode!r}")
        generator = self.generator_for(direction)
        multiple = size_multiple(generator)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}")
        training = mode == "paper"
        size = batch_size or (1 if training else 32)
        state = [variable.numpy() for variable in generator.non_trainable_variables] if training else []
        try:  # eager calls: images of any size, no retracing
            outputs = np.concatenate([np.asarray(translate_padded(generator, images[i:i + size], multiple, training))
                                      for i in range(0, len(images), size)])
        finally:
            for variable, value in zip(generator.non_trainable_variables, state):
                variable.assign(value)
        return outputs

    def call(self, images, training=False):
        """The model applied to images is its first direction's generator."""
        return self.generator_for(next(iter(self.directions)))(images, training=training)


def non_negative(name, value):
    """A loss weight: a number >= 0, as float."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number >= 0. Received: {name}={value!r}")
    return float(value)


def serialize_networks(config, model, names):
    config.update({name: keras.saving.serialize_keras_object(getattr(model, name)) for name in names})
    return config


def deserialize_networks(config, names):
    config = dict(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config

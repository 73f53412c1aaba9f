"""Progress pictures of a trained or training model, chosen by the model's layout.

- "latent" and "joint" games: samples from fixed latents (a grid of images, a square whose columns
  are the classes for class-conditional models, or 2,500 points over `reference` points in 2D);
- "paired" translation: rows input | output | target of fixed examples;
- "unpaired" translation: rows a | G(a) | F(G(a)) | b | F(b) | G(F(b));
- "joint" games also draw reconstructions: rows x | G(E(x)), or lines from 2D points x to G(E(x)).
Translation pictures use given examples (held-out pairs in a run folder); without them, fixed uniform
noise images of the training size stand in, so a picture can be drawn for any model.
"""

import tensorflow as tf

from ganzoo import images
from ganzoo.data.translation import ImagePairs
from ganzoo.layouts import TRANSLATION_LAYOUTS

SAMPLE_SEED = 0


def samples_picture(model, *, n=64, seed=SAMPLE_SEED, reference=None):
    """uint8 picture of a latent game's samples from latents fixed by `seed`; 2D models draw 2,500
    points, class-conditional ones a square whose columns are the classes (up to 16)."""
    if model.conditional and model.num_classes <= 16:
        n = model.num_classes ** 2
    samples = model.generate(2500 if len(model.sample_shape) == 1 else n, seed=seed)
    return images.samples_picture(samples, reference)


def noise_examples(model, n=8, seed=SAMPLE_SEED):
    """Fixed uniform [-1, 1] images of the model's training shapes, for translators without examples."""
    first = tf.random.stateless_uniform((n, *model.source_shape), [seed, 1], -1.0, 1.0).numpy()
    second = tf.random.stateless_uniform((n, *model.target_shape), [seed, 2], -1.0, 1.0).numpy()
    return ImagePairs(first, second, None, None, paired=model.layout == "paired")


def translation_picture(model, examples, mode="deterministic"):
    """Rows input | output | target (paired), or a | G(a) | F(G(a)) | b | F(b) | G(F(b)) (unpaired)."""
    if examples.paired:
        columns = [examples.first, model.translate(examples.first, mode=mode), examples.second]
    else:
        n = min(len(examples.first), len(examples.second))
        a, b = examples.first[:n], examples.second[:n]
        a_to_b = model.translate(a, direction="a_to_b", mode=mode)
        b_to_a = model.translate(b, direction="b_to_a", mode=mode)
        columns = [a, a_to_b, model.translate(a_to_b, direction="b_to_a", mode=mode),
                   b, b_to_a, model.translate(b_to_a, direction="a_to_b", mode=mode)]
    return images.translation_grid(columns)


def reconstruction_picture(model, inputs, n=16):
    """A joint game's inversion: rows x | G(E(x)) for the first `n` images, or lines from each 2D point
    x to G(E(x))."""
    if len(model.sample_shape) == 1:
        return images.reconstruction_plot(inputs, model.reconstruct(inputs))
    return images.translation_grid([inputs[:n], model.reconstruct(inputs[:n])])


def progress_picture(model, *, examples=None, reference=None, n=64, seed=SAMPLE_SEED):
    """The picture that shows how `model` is doing, for its layout (see the module docstring)."""
    if model.layout in TRANSLATION_LAYOUTS:
        return translation_picture(model, examples if examples is not None else noise_examples(model, seed=seed))
    return samples_picture(model, n=n, seed=seed, reference=reference)

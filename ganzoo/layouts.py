"""What a game's networks are: its *layout*, the one answer to "what kind of model is this?".

- "latent": a generator of samples from latents (GAN, DCGAN, WGAN-GP, conditional GAN);
- "joint": a generator and an encoder judged together on (x, z) pairs (BiGAN);
- "paired": one translator trained on aligned (input, target) pairs (pix2pix);
- "unpaired": two translators trained on unpaired domains (CycleGAN).

A trainer states its layout (`AdversarialTrainer.layout`); runs, pictures, evaluation and export ask
it instead of testing classes. This module imports nothing, so that command-line help and metric
listings can read it without loading TensorFlow.
"""

LATENT_LAYOUTS = ("latent", "joint")
TRANSLATION_LAYOUTS = ("paired", "unpaired")
LAYOUTS = LATENT_LAYOUTS + TRANSLATION_LAYOUTS

#: What a model of each layout is, for messages ("knn_accuracy needs a model with an encoder (BiGAN)").
LAYOUT_DESCRIPTIONS = {
    "latent": "a generator of samples from latents (GAN, DCGAN, WGAN-GP, conditional GAN)",
    "joint": "a model with an encoder (BiGAN)",
    "paired": "a translator trained on aligned pairs (pix2pix)",
    "unpaired": "two translators between unpaired domains (CycleGAN)",
}

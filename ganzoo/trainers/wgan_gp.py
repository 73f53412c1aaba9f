"""WGAN-GP (Gulrajani et al. 2017): the Wasserstein game with a gradient penalty on the critic."""

import keras

from ganzoo.trainers.gan import GAN


def _has_batch_norm(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            return True
        if isinstance(layer, keras.Model) and _has_batch_norm(layer):
            return True
    return False


@keras.saving.register_keras_serializable(package="ganzoo")
class WGANGP(GAN):
    """A `GAN` whose defaults are the paper's Algorithm 1: Wasserstein loss, gradient penalty lambda =
    10 at points interpolated with a per-sample U[0, 1] weight, 5 critic steps per generator step,
    Adam(1e-4, beta_1=0, beta_2=0.9) for both players.

    The critic must not use batch normalisation: the penalty is per sample, and batch norm makes each
    output depend on the whole batch (the paper uses layer norm or none; build DCGAN critics with
    `normalization="layer"`)."""

    def __init__(self, generator, discriminator, *, loss="wasserstein", discriminator_steps=5,
                 gradient_penalty_weight=10.0, **kwargs):
        if _has_batch_norm(discriminator):
            raise ValueError("WGAN-GP's critic must not use batch normalisation (the gradient penalty is per sample). "
                             "Build it with normalization='layer' or 'none'. Received: a discriminator with "
                             "BatchNormalization layers")
        super().__init__(generator, discriminator, loss=loss, discriminator_steps=discriminator_steps,
                         gradient_penalty_weight=gradient_penalty_weight, **kwargs)

    #: Adam(1e-4, beta_1=0, beta_2=0.9), Gulrajani et al. 2017, Algorithm 1.
    optimizer_defaults = {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}

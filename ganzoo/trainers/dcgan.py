"""DCGAN (Radford, Metz & Chintala 2016): the GAN game on convolutional image networks."""

import keras

from ganzoo.trainers.gan import GAN


@keras.saving.register_keras_serializable(package="ganzoo")
class DCGAN(GAN):
    """A `GAN` whose players are images: the generator must end in tanh so images lie in [-1, 1]
    (build the networks with `ganzoo.networks.build_dcgan_generator` / `build_dcgan_discriminator`).
    Defaults follow the paper: non-saturating loss, Adam(lr=2e-4, beta_1=0.5) for both players."""

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if len(self.sample_shape) != 3:
            raise ValueError(f"DCGAN generates NHWC images, so the generator's output must be (height, width, "
                             f"channels). Received: generator output shape {self.sample_shape}")

"""ganzoo: a zoo of Generative Adversarial Networks for Keras 3 on TensorFlow.

    import ganzoo
    ganzoo.list_models()
    gan = ganzoo.build("gan-ring", latent_dim=2)
    gan.fit(ganzoo.data.load("ring", batch_size=256), epochs=3)
    samples = gan.generate(16, seed=0)
"""

__version__ = "0.1.0"

from ganzoo import data, losses, metrics, networks, runs, trainers  # noqa: E402,F401
from ganzoo.errors import GanzooError  # noqa: E402,F401
from ganzoo.trainers import DCGAN, GAN, WGANGP, BiGAN, ConditionalGAN, CycleGAN, Pix2Pix  # noqa: E402,F401
from ganzoo.zoo import build, get_config, list_models, load  # noqa: E402,F401

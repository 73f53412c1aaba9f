"""`keras.Model` subclasses that play GAN games: one base class owns the update (`base.py`), one file
per variant declares its players and objectives."""

from ganzoo.trainers.base import AdversarialTrainer, InferenceSignature, Phase, Player  # noqa: F401
from ganzoo.trainers.ema import ExponentialMovingAverage  # noqa: F401
from ganzoo.trainers.dcgan import DCGAN  # noqa: F401
from ganzoo.trainers.gan import GAN  # noqa: F401
from ganzoo.trainers.conditional_gan import ConditionalGAN  # noqa: F401
from ganzoo.trainers.wgan_gp import WGANGP  # noqa: F401
from ganzoo.trainers.bigan import BiGAN  # noqa: F401
from ganzoo.trainers.translation import ImageTranslator, INFERENCE_MODES  # noqa: F401
from ganzoo.trainers.pix2pix import Pix2Pix  # noqa: F401
from ganzoo.trainers.cyclegan import CycleGAN  # noqa: F401
from ganzoo.trainers.stylegan2 import ConditionalStyleGAN2, StyleGAN2  # noqa: F401

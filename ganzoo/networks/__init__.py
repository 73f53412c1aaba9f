"""Architectures only: functional Keras builders. No optimisers, no losses."""

from ganzoo.networks.dcgan import build_dcgan_discriminator, build_dcgan_generator  # noqa: F401
from ganzoo.networks.mlp import build_mlp_discriminator, build_mlp_generator  # noqa: F401
from ganzoo.networks.bigan import (  # noqa: F401
    build_dcgan_encoder,
    build_dcgan_joint_discriminator,
    build_mlp_encoder,
    build_mlp_joint_discriminator,
)
from ganzoo.networks.patchgan import build_patchgan_discriminator, patchgan_receptive_field  # noqa: F401
from ganzoo.networks.resnet_generator import build_resnet_generator  # noqa: F401
from ganzoo.networks.unet import build_unet_generator  # noqa: F401
from ganzoo.networks.stylegan2 import (  # noqa: F401
    build_stylegan2_discriminator,
    build_stylegan2_generator,
)

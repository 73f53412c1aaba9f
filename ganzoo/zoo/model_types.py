"""What a zoo config's model section can name.

- `model.type` is the game (the trainer class): `gan`, `dcgan`, `wgan_gp`, `cgan`, `bigan`. Each type
  lists its own model-level options (passed to the trainer as keyword arguments), its defaults for
  the shared keys (e.g. WGAN-GP's Wasserstein loss and 5 critic steps), the architectures it accepts,
  and whether it is `joint` (an encoder and a discriminator on [x, z], BiGAN).
- `model.architecture` is the set of networks: `mlp` or `dcgan`, each with the schema of its
  `generator` / `discriminator` / `encoder` sections and one keyword-only builder.

Register new ones with `register_architecture` / `register_model_type`.
"""

from typing import Callable, NamedTuple

from ganzoo import networks
from ganzoo.networks.dcgan import CONDITIONINGS, NORMALIZATIONS
from ganzoo.trainers import DCGAN, GAN, WGANGP, BiGAN, ConditionalGAN
from ganzoo.zoo.schema import Field


class Architecture(NamedTuple):
    name: str
    generator_schema: dict
    discriminator_schema: dict
    encoder_schema: dict
    # (*, model_config, sample_shape, seed, num_classes, joint) -> {"generator": ..., "discriminator": ...,
    # and with joint=True "encoder": ...}; joint discriminators take [x, z] (BiGAN)
    build_networks: Callable


class ModelType(NamedTuple):
    name: str
    trainer: type
    architectures: tuple  # the first is the default
    options: dict  # model-level Fields passed to the trainer by name
    defaults: dict  # {dotted config key: default} that replace the schema's defaults for this type
    joint: bool  # an encoder and a joint discriminator D(x, z) (BiGAN)


ARCHITECTURES = {}
MODEL_TYPES = {}


def register_architecture(name, *, generator_schema, discriminator_schema, encoder_schema):
    def decorator(build_networks):
        ARCHITECTURES[name] = Architecture(name, generator_schema, discriminator_schema, encoder_schema,
                                           build_networks)
        return build_networks

    return decorator


def register_model_type(name, *, trainer, architectures, options=None, defaults=None, joint=False):
    MODEL_TYPES[name] = ModelType(name, trainer, tuple(architectures), dict(options or {}), dict(defaults or {}),
                                  joint)


#: Options every discriminator accepts (see `ganzoo.networks.layers`).
DISCRIMINATOR_OPTIONS = {
    "spectral_norm": Field(bool, False, help="spectrally normalised layers (Miyato et al. 2018)"),
    "packing": Field(int, 1, minimum=1, maximum=16, help="PacGAN: samples judged together (Lin et al. 2018)"),
    "minibatch_std": Field(bool, False, help="minibatch standard-deviation feature (Karras et al. 2018)"),
}
_ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh", "gelu", "silu")
_MLP_SCHEMA = {
    "hidden_units": Field(list, [128, 128], item_type=int, minimum=1, help="units of each hidden layer"),
    "activation": Field(str, "relu", choices=_ACTIVATIONS),
}
_DCGAN_SCHEMA = {
    "width": Field(int, 64, minimum=1, help="filters of the layer nearest the image; doubles per stage"),
    "kernel_size": Field(int, 4, minimum=1, maximum=7),
}


def _discriminator_seed(seed):
    return None if seed is None else seed + 1000


def _encoder_seed(seed):
    return None if seed is None else seed + 2000


@register_architecture(
    "mlp",
    generator_schema={**_MLP_SCHEMA, "batch_norm": Field(bool, False),
                      "output_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")},
    discriminator_schema={**_MLP_SCHEMA, "activation": Field(str, "leaky_relu", choices=_ACTIVATIONS),
                          "input_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent"),
                          **DISCRIMINATOR_OPTIONS},
    encoder_schema={**_MLP_SCHEMA, "input_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")})
def _mlp_networks(*, model_config, sample_shape, seed, num_classes=None, joint=False):
    if num_classes is not None:
        raise ValueError("the mlp architecture has no class-conditional form; use architecture: dcgan")
    images = len(sample_shape) == 3
    latent_dim = model_config["latent_dim"]
    built = {"generator": networks.build_mlp_generator(
        latent_dim=latent_dim, output_shape=sample_shape, seed=seed,
        output_activation="tanh" if images else "linear", **model_config["generator"])}
    if joint:
        built["discriminator"] = networks.build_mlp_joint_discriminator(
            input_shape=sample_shape, latent_dim=latent_dim, seed=_discriminator_seed(seed),
            **model_config["discriminator"])
        built["encoder"] = networks.build_mlp_encoder(input_shape=sample_shape, latent_dim=latent_dim,
                                                      seed=_encoder_seed(seed), **model_config["encoder"])
    else:
        built["discriminator"] = networks.build_mlp_discriminator(
            input_shape=sample_shape, seed=_discriminator_seed(seed), **model_config["discriminator"])
    return built


@register_architecture(
    "dcgan", generator_schema=_DCGAN_SCHEMA,
    discriminator_schema={**_DCGAN_SCHEMA, "normalization": Field(str, "batch", choices=NORMALIZATIONS),
                          "conditioning": Field(str, "projection", choices=CONDITIONINGS,
                                                help="how a class-conditional D sees the label"),
                          **DISCRIMINATOR_OPTIONS},
    encoder_schema={**_DCGAN_SCHEMA, "normalization": Field(str, "batch", choices=NORMALIZATIONS)})
def _dcgan_networks(*, model_config, sample_shape, seed, num_classes=None, joint=False):
    if len(sample_shape) != 3:
        raise ValueError(f"the dcgan architecture needs image data (height, width, channels). "
                         f"Received: sample shape {sample_shape}")
    latent_dim = model_config["latent_dim"]
    built = {"generator": networks.build_dcgan_generator(latent_dim=latent_dim, image_shape=sample_shape,
                                                         num_classes=num_classes, seed=seed,
                                                         **model_config["generator"])}
    discriminator_config = dict(model_config["discriminator"])
    conditioning = discriminator_config.pop("conditioning")
    if joint:
        built["discriminator"] = networks.build_dcgan_joint_discriminator(
            image_shape=sample_shape, latent_dim=latent_dim, seed=_discriminator_seed(seed), **discriminator_config)
        built["encoder"] = networks.build_dcgan_encoder(image_shape=sample_shape, latent_dim=latent_dim,
                                                        seed=_encoder_seed(seed), **model_config["encoder"])
    else:
        if num_classes is not None:
            discriminator_config["conditioning"] = conditioning
        built["discriminator"] = networks.build_dcgan_discriminator(
            image_shape=sample_shape, num_classes=num_classes, seed=_discriminator_seed(seed), **discriminator_config)
    return built


_GRADIENT_PENALTY = Field(float, 0.0, minimum=0.0, help="lambda of the WGAN-GP penalty on D (0: none)")

register_model_type("gan", trainer=GAN, architectures=("mlp", "dcgan"),
                    options={"gradient_penalty_weight": _GRADIENT_PENALTY})
register_model_type("dcgan", trainer=DCGAN, architectures=("dcgan",),
                    options={"gradient_penalty_weight": _GRADIENT_PENALTY})
register_model_type("wgan_gp", trainer=WGANGP, architectures=("mlp", "dcgan"),
                    options={"gradient_penalty_weight": _GRADIENT_PENALTY._replace(default=10.0)},
                    defaults={"model.loss": "wasserstein", "model.discriminator_steps": 5,
                              **{f"optimizer.{player}.{key}": value for player in ("generator", "discriminator")
                                 for key, value in (("learning_rate", 1e-4), ("beta_1", 0.0), ("beta_2", 0.9))}})
register_model_type("cgan", trainer=ConditionalGAN, architectures=("dcgan",),
                    options={"num_classes": Field(int, 10, minimum=2, help="classes of the labels"),
                             "gradient_penalty_weight": _GRADIENT_PENALTY})
register_model_type("bigan", trainer=BiGAN, architectures=("dcgan", "mlp"), joint=True,
                    defaults={"model.latent_distribution": "uniform"})

"""Model types a zoo config can name (`model.type`): for each, the trainer class, the schema of its
networks' config sections, and a builder from a validated config to (generator, discriminator).

Register a new type with `@register_model_type(...)` over a keyword-only network builder.
"""

from typing import Callable, NamedTuple

from ganzoo import networks
from ganzoo.trainers import DCGAN, GAN
from ganzoo.zoo.schema import Field


class ModelType(NamedTuple):
    name: str
    trainer: type
    generator_schema: dict
    discriminator_schema: dict
    build_networks: Callable  # (*, model_config, sample_shape, seed) -> (generator, discriminator)


MODEL_TYPES = {}


def register_model_type(name, *, trainer, generator_schema, discriminator_schema):
    def decorator(build_networks):
        MODEL_TYPES[name] = ModelType(name, trainer, generator_schema, discriminator_schema, build_networks)
        return build_networks

    return decorator


_MLP_SCHEMA = {
    "hidden_units": Field(list, [128, 128], item_type=int, minimum=1, help="units of each hidden layer"),
    "activation": Field(str, "relu", choices=("relu", "leaky_relu", "elu", "tanh", "gelu", "silu")),
}
_DCGAN_SCHEMA = {
    "width": Field(int, 64, minimum=1, help="filters of the layer nearest the image; doubles per stage"),
    "kernel_size": Field(int, 4, minimum=1, maximum=7),
}


@register_model_type(
    "gan", trainer=GAN,
    generator_schema={**_MLP_SCHEMA, "batch_norm": Field(bool, False),
                      "output_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")},
    discriminator_schema={**_MLP_SCHEMA, "activation": Field(str, "leaky_relu", choices=_MLP_SCHEMA["activation"].choices),
                          "input_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")})
def _mlp_networks(*, model_config, sample_shape, seed):
    images = len(sample_shape) == 3
    generator = networks.build_mlp_generator(
        latent_dim=model_config["latent_dim"], output_shape=sample_shape, seed=seed,
        output_activation="tanh" if images else "linear", **model_config["generator"])
    discriminator = networks.build_mlp_discriminator(
        input_shape=sample_shape, seed=None if seed is None else seed + 1000, **model_config["discriminator"])
    return generator, discriminator


@register_model_type("dcgan", trainer=DCGAN, generator_schema=_DCGAN_SCHEMA, discriminator_schema=_DCGAN_SCHEMA)
def _dcgan_networks(*, model_config, sample_shape, seed):
    if len(sample_shape) != 3:
        raise ValueError(f"dcgan needs image data (height, width, channels). Received: sample shape {sample_shape}")
    generator = networks.build_dcgan_generator(
        latent_dim=model_config["latent_dim"], image_shape=sample_shape, seed=seed, **model_config["generator"])
    discriminator = networks.build_dcgan_discriminator(
        image_shape=sample_shape, seed=None if seed is None else seed + 1000, **model_config["discriminator"])
    return generator, discriminator

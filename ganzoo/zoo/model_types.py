"""What a zoo config's model section can name.

- `model.type` is the game (the trainer class): `gan`, `dcgan`, `wgan_gp`, `cgan`, `bigan`, `pix2pix`,
  `cyclegan`. Each type lists its own model-level options (passed to the trainer as keyword
  arguments), its defaults for the shared keys (e.g. WGAN-GP's Wasserstein loss and 5 critic steps),
  the architectures it accepts, and its `layout`, the networks the game needs:
  "latent" (G: z -> x, D: x -> logit), "joint" (BiGAN: also an encoder, and D on [x, z]), "paired"
  (pix2pix: G: x -> y, D on [x, y]) or "unpaired" (CycleGAN: G, F and a discriminator per domain).
- `model.architecture` is the set of networks: `mlp`, `dcgan` or `stylegan2` for the latent layouts, `unet` or
  `resnet` (the generator; the discriminator is a PatchGAN) for translation, each with the schema of
  its `generator` / `discriminator` / `encoder` sections and one keyword-only builder.

Register new ones with `register_architecture` / `register_model_type`.
"""

from typing import Callable, NamedTuple

from ganzoo import networks
from ganzoo.networks.dcgan import CONDITIONINGS, NORMALIZATIONS
from ganzoo.networks.patchgan import RECEPTIVE_FIELDS
from ganzoo.networks.stylegan2 import DISCRIMINATOR_ARCHITECTURES as STYLEGAN2_DISCRIMINATORS
from ganzoo.trainers import DCGAN, GAN, WGANGP, BiGAN, ConditionalGAN, ConditionalStyleGAN2, CycleGAN, Pix2Pix, StyleGAN2
from ganzoo.layouts import LATENT_LAYOUTS, LAYOUTS, TRANSLATION_LAYOUTS
from ganzoo.zoo.schema import Field


class Architecture(NamedTuple):
    name: str
    generator_schema: dict
    discriminator_schema: dict
    encoder_schema: dict
    # (*, model_config, sample_shape, seed, num_classes, layout) -> {trainer argument: network}; for the
    # translation layouts sample_shape is (shape of the inputs or domain A, shape of the targets or B)
    build_networks: Callable


class ModelType(NamedTuple):
    name: str
    trainer: type
    architectures: tuple  # the first is the default
    options: dict  # model-level Fields passed to the trainer by name (defaults: the trainer's)
    defaults: dict  # {dotted config key: default} for keys the trainer does not own (e.g. an architecture's)

    @property
    def layout(self):
        """The networks the game needs, as its trainer says (one of LAYOUTS)."""
        return self.trainer.layout

    @property
    def latent(self):
        """Whether the generator maps latents to samples (and the config has the latent keys)."""
        return self.layout in LATENT_LAYOUTS

    @property
    def translation(self):
        return self.layout in TRANSLATION_LAYOUTS




ARCHITECTURES = {}
MODEL_TYPES = {}


def _refuse_duplicate(registry, kind, name):
    if name in registry:
        raise ValueError(f"A {kind} named {name!r} is already registered; choose another name. Received: {name!r}")


def register_architecture(name, *, generator_schema, discriminator_schema, encoder_schema):
    _refuse_duplicate(ARCHITECTURES, "architecture", name)

    def decorator(build_networks):
        ARCHITECTURES[name] = Architecture(name, generator_schema, discriminator_schema, encoder_schema,
                                           build_networks)
        return build_networks

    return decorator


def register_model_type(name, *, trainer, architectures, options=None, defaults=None):
    """Registers game `name`: its trainer class (which says its layout, player names and defaults),
    the architectures it accepts and its model-level options."""
    _refuse_duplicate(MODEL_TYPES, "model type", name)
    if getattr(trainer, "layout", None) not in LAYOUTS:
        raise ValueError(f"A trainer's layout must be one of {LAYOUTS}. Received: {trainer.__name__}.layout="
                         f"{getattr(trainer, 'layout', None)!r}")
    MODEL_TYPES[name] = ModelType(name, trainer, tuple(architectures), dict(options or {}), dict(defaults or {}))


#: Options every discriminator accepts (see `ganzoo.networks.layers`).
DISCRIMINATOR_OPTIONS = {
    "spectral_norm": Field(bool, False, help="spectrally normalised layers (Miyato et al. 2018)"),
    "packing": Field(int, 1, minimum=1, maximum=16, help="PacGAN: samples judged together (Lin et al. 2018)"),
    "minibatch_std": Field(bool, False, help="minibatch standard-deviation feature (Karras et al. 2018)"),
}
#: Options of a joint discriminator D(x, z) (BiGAN), refused for a discriminator of x alone.
JOINT_DISCRIMINATOR_OPTIONS = {
    "separate_scores": Field(bool, False, help="a joint D's three logits, for x, for z and for the pair (BigBiGAN)"),
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


#: Offsets of each network role's seed from the run's seed (so that networks differ, reproducibly).
SEED_OFFSETS = {"generator": 0, "discriminator": 1000, "encoder": 2000, "inverse_generator": 2000,
                "discriminator_a": 1000, "discriminator_b": 1500}


def network_seed(seed, role):
    """The seed of the network playing `role` (a key of SEED_OFFSETS) in a run seeded by `seed`."""
    return None if seed is None else seed + SEED_OFFSETS[role]


def _without_joint_options(discriminator_config, **defaults):
    """A discriminator config without the options of a joint D (and `defaults`, further keys of that
    kind), refusing any that is set: the game has a discriminator of x alone."""
    defaults.update({key: field.default for key, field in JOINT_DISCRIMINATOR_OPTIONS.items()})
    kept = {key: value for key, value in discriminator_config.items() if key not in defaults}
    for key, default in defaults.items():
        if discriminator_config.get(key, default) != default:
            raise ValueError(f"model.discriminator.{key} is an option of a joint discriminator D(x, z) (model.type: "
                             f"bigan); this game's discriminator judges x alone. Received: {key}="
                             f"{discriminator_config[key]!r}")
    return kept


@register_architecture(
    "mlp",
    generator_schema={**_MLP_SCHEMA, "batch_norm": Field(bool, False),
                      "output_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")},
    discriminator_schema={**_MLP_SCHEMA, "activation": Field(str, "leaky_relu", choices=_ACTIVATIONS),
                          "input_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent"),
                          "dropout": Field(float, 0.0, minimum=0.0, maximum=0.9, help="after each hidden layer"),
                          **DISCRIMINATOR_OPTIONS, **JOINT_DISCRIMINATOR_OPTIONS,
                          "z_hidden_units": Field(list, [], item_type=int, minimum=1,
                                                  help="a joint D's layers for z alone, before it meets x")},
    encoder_schema={**_MLP_SCHEMA, "batch_norm": Field(bool, False),
                    "input_scale": Field(float, 1.0, minimum=1e-6, help="the data's extent")})
def _mlp_networks(*, model_config, sample_shape, seed, num_classes=None, layout="latent"):
    if num_classes is not None:
        raise ValueError("the mlp architecture has no class-conditional form; use architecture: dcgan")
    images = len(sample_shape) == 3
    latent_dim = model_config["latent_dim"]
    built = {"generator": networks.build_mlp_generator(
        latent_dim=latent_dim, output_shape=sample_shape, seed=seed,
        output_activation="tanh" if images else "linear", **model_config["generator"])}
    if layout == "joint":
        built["discriminator"] = networks.build_mlp_joint_discriminator(
            input_shape=sample_shape, latent_dim=latent_dim, seed=network_seed(seed, "discriminator"),
            **model_config["discriminator"])
        built["encoder"] = networks.build_mlp_encoder(input_shape=sample_shape, latent_dim=latent_dim,
                                                      seed=network_seed(seed, "encoder"), **model_config["encoder"])
    else:
        built["discriminator"] = networks.build_mlp_discriminator(
            input_shape=sample_shape, seed=network_seed(seed, "discriminator"),
            **_without_joint_options(model_config["discriminator"], z_hidden_units=[]))
    return built


@register_architecture(
    "dcgan", generator_schema=_DCGAN_SCHEMA,
    discriminator_schema={**_DCGAN_SCHEMA, "normalization": Field(str, "batch", choices=NORMALIZATIONS),
                          "conditioning": Field(str, "projection", choices=CONDITIONINGS,
                                                help="how a class-conditional D sees the label"),
                          **DISCRIMINATOR_OPTIONS, **JOINT_DISCRIMINATOR_OPTIONS},
    encoder_schema={**_DCGAN_SCHEMA, "normalization": Field(str, "batch", choices=NORMALIZATIONS)})
def _dcgan_networks(*, model_config, sample_shape, seed, num_classes=None, layout="latent"):
    if len(sample_shape) != 3:
        raise ValueError(f"the dcgan architecture needs image data (height, width, channels). "
                         f"Received: sample shape {sample_shape}")
    latent_dim = model_config["latent_dim"]
    built = {"generator": networks.build_dcgan_generator(latent_dim=latent_dim, image_shape=sample_shape,
                                                         num_classes=num_classes, seed=seed,
                                                         **model_config["generator"])}
    discriminator_config = dict(model_config["discriminator"])
    conditioning = discriminator_config.pop("conditioning")
    if layout != "joint":
        discriminator_config = _without_joint_options(discriminator_config)
    if layout == "joint":
        built["discriminator"] = networks.build_dcgan_joint_discriminator(
            image_shape=sample_shape, latent_dim=latent_dim, seed=network_seed(seed, "discriminator"), **discriminator_config)
        built["encoder"] = networks.build_dcgan_encoder(image_shape=sample_shape, latent_dim=latent_dim,
                                                        seed=network_seed(seed, "encoder"), **model_config["encoder"])
    else:
        if num_classes is not None:
            discriminator_config["conditioning"] = conditioning
        built["discriminator"] = networks.build_dcgan_discriminator(
            image_shape=sample_shape, num_classes=num_classes, seed=network_seed(seed, "discriminator"), **discriminator_config)
    return built


# Defaults of the trainers' own options (loss, discriminator steps, penalty weights, optimiser settings)
# are read from the trainer classes by the config schema; the Fields below give types and bounds.
#: The options of the GAN family (GAN, DCGAN, WGAN-GP, conditional GAN).
#: R1 on real samples (for BiGAN: on data pairs), a discriminator phase of its own.
_R1_OPTIONS = {
    "r1_gamma": Field(float, 0.0, minimum=0.0, help="R1 weight gamma on real samples (0: none)"),
    "r1_every": Field(int, 1, minimum=1, help="the R1 interval (lazy regularisation when > 1)"),
}
_GAN_OPTIONS = {
    "gradient_penalty_weight": Field(float, 0.0, minimum=0.0, help="lambda of the WGAN-GP penalty on D (0: none)"),
    "single_discriminator_call": Field(bool, False, help="D called once on real and fake concatenated (the same "
                                                         "update; only for a D without batch norm, spectral norm, "
                                                         "minibatch std or packing)"),
    "reuse_forward": Field(bool, False, help="G's step reuses the fakes of D's step (one G forward pass fewer; "
                                             "G then trains on the latents D just saw, unlike Algorithm 1)"),
    **_R1_OPTIONS,
}

register_model_type("gan", trainer=GAN, architectures=("mlp", "dcgan"), options=_GAN_OPTIONS)
register_model_type("dcgan", trainer=DCGAN, architectures=("dcgan",), options=_GAN_OPTIONS)
register_model_type("wgan_gp", trainer=WGANGP, architectures=("mlp", "dcgan"), options=_GAN_OPTIONS)
register_model_type("cgan", trainer=ConditionalGAN, architectures=("dcgan",),
                    options={"num_classes": Field(int, 10, minimum=2, help="classes of the labels"), **_GAN_OPTIONS})
register_model_type("bigan", trainer=BiGAN, architectures=("dcgan", "mlp"), options={**_R1_OPTIONS,
    "x_cycle_weight": Field(float, 0.0, minimum=0.0, help="weight of ||G(E(x)) - x||^2 for G and E (changes the game; "
                                                          "0: the pure BiGAN)"),
    "z_cycle_weight": Field(float, 0.0, minimum=0.0, help="weight of ||E(G(z)) - z||^2 for G and E (changes the game; "
                                                          "0: the pure BiGAN)")})


# -- StyleGAN2 -------------------------------------------------------------------------------------

_CHANNELS = {
    "channel_base": Field(int, 32768, minimum=1, help="feature maps at resolution r: min(channel_base / r, channel_max)"),
    "channel_max": Field(int, 512, minimum=1),
}


@register_architecture(
    "stylegan2",
    generator_schema={
        "w_dim": Field(int, 512, minimum=1, help="size of w"),
        "mapping_layers": Field(int, 8, minimum=1, maximum=16, help="8 in the paper, 2 in ADA's small-data configs"),
        "mapping_lr_multiplier": Field(float, 0.01, minimum=1e-6, maximum=1.0),
        **_CHANNELS,
        "use_noise": Field(bool, True, help="per-pixel noise inputs"),
        "w_avg_beta": Field(float, 0.995, minimum=0.0, maximum=0.999999, help="decay of the tracked mean w"),
    },
    discriminator_schema={
        "architecture": Field(str, "resnet", choices=STYLEGAN2_DISCRIMINATORS, help="orig: ADA's CIFAR config"),
        **_CHANNELS,
        "mbstd_group_size": Field(int, 4, minimum=2, help="minibatch standard deviation group (ADA cifar: 32)"),
        "mbstd_features": Field(int, 1, minimum=1),
        "mapping_layers": Field(int, 8, minimum=1, maximum=16, help="class embedding of a conditional D"),
    },
    encoder_schema={})
def _stylegan2_networks(*, model_config, sample_shape, seed, num_classes=None, layout="latent"):
    if layout != "latent":
        raise ValueError(f"the stylegan2 architecture builds a latent game. Received: layout {layout!r}")
    if len(sample_shape) != 3:
        raise ValueError(f"the stylegan2 architecture needs image data (height, width, channels). "
                         f"Received: sample shape {sample_shape}")
    generator = model_config["generator"]
    return {
        "generator": networks.build_stylegan2_generator(
            latent_dim=model_config["latent_dim"], image_shape=sample_shape, num_classes=num_classes, seed=seed,
            **generator),
        "discriminator": networks.build_stylegan2_discriminator(
            image_shape=sample_shape, num_classes=num_classes, seed=network_seed(seed, "discriminator"),
            **model_config["discriminator"]),
    }


_STYLEGAN2_OPTIONS = {
    "r1_gamma": Field(float, 10.0, minimum=0.0, help="R1 weight (ADA: 0.0002 * resolution^2 / batch)"),
    "r1_every": Field(int, 16, minimum=1, help="lazy R1 interval"),
    "pl_weight": Field(float, 2.0, minimum=0.0, help="path-length weight (0: none)"),
    "pl_every": Field(int, 4, minimum=1, help="lazy path-length interval"),
    "pl_decay": Field(float, 0.01, minimum=0.0, maximum=1.0, help="step of the path-length running mean"),
    "pl_batch_shrink": Field(int, 2, minimum=1, help="path-length batch = batch / this"),
    "style_mixing": Field(float, 0.9, minimum=0.0, maximum=1.0, help="probability of mixing two latents"),
}
register_model_type("stylegan2", trainer=StyleGAN2, architectures=("stylegan2",), options=_STYLEGAN2_OPTIONS)
register_model_type("conditional_stylegan2", trainer=ConditionalStyleGAN2, architectures=("stylegan2",),
                    options={**_STYLEGAN2_OPTIONS,
                             "num_classes": Field(int, 10, minimum=2, help="classes of the labels")})


# -- image-to-image translation ------------------------------------------------------------------

_PATCHGAN_SCHEMA = {
    "width": Field(int, 64, minimum=1, help="filters of the first layer; doubles per layer up to 8x"),
    "receptive_field": Field(int, 70, choices=tuple(sorted(RECEPTIVE_FIELDS)),
                             help="side of the patch each output logit judges (70 in pix2pix at 256 px)"),
    "normalization": Field(str, "batch", choices=("batch", "instance", "none")),
    "spectral_norm": DISCRIMINATOR_OPTIONS["spectral_norm"],
}
_TRANSLATION_NORMALIZATIONS = ("batch", "instance", "none")


def _translation_networks(generator_builder):
    """A builder of the translation layouts around a generator builder (keyword-only `input_shape`,
    `output_channels`, `seed`, `name` and the config's generator section): pix2pix's G and conditional
    PatchGAN, or CycleGAN's two generators and two PatchGANs."""
    def build(*, model_config, sample_shape, seed, num_classes=None, layout):
        def build_generator(shape, channels, generator_seed, name):
            return generator_builder(input_shape=shape, output_channels=channels, seed=generator_seed, name=name,
                                     **model_config["generator"])

        if layout not in TRANSLATION_LAYOUTS:
            raise ValueError(f"the {model_config['architecture']} architecture translates images; it cannot build "
                             f"a {layout!r} game")
        if num_classes is not None:
            raise ValueError("translation architectures have no class-conditional form")
        shapes = tuple(sample_shape)
        if len(shapes) != 2 or any(len(shape) != 3 for shape in shapes):
            raise ValueError(f"translation needs data of image pairs. Received: sample shape {sample_shape}")
        shape_a, shape_b = (tuple(shape) for shape in shapes)
        if None in shape_a + shape_b:
            raise ValueError(f"the images' size is not fixed (set data.image_size). Received: {shapes}")
        patchgan = dict(model_config["discriminator"])
        if layout == "paired":
            return {"generator": build_generator(shape_a, shape_b[-1], seed, "generator"),
                    "discriminator": networks.build_patchgan_discriminator(
                        image_shape=shape_b, condition_channels=shape_a[-1], seed=network_seed(seed, "discriminator"),
                        **patchgan)}
        return {"generator": build_generator(shape_a, shape_b[-1], seed, "generator"),
                "inverse_generator": build_generator(shape_b, shape_a[-1], network_seed(seed, "inverse_generator"), "inverse_generator"),
                "discriminator_a": networks.build_patchgan_discriminator(
                    image_shape=shape_a, seed=network_seed(seed, "discriminator_a"), name="discriminator_a", **patchgan),
                "discriminator_b": networks.build_patchgan_discriminator(
                    image_shape=shape_b, seed=network_seed(seed, "discriminator_b"), name="discriminator_b", **patchgan)}
    return build


_UNET_SCHEMA = {
    "width": Field(int, 64, minimum=1, help="filters of the first encoder layer"),
    "depth": Field(int, None, minimum=2, nullable=True, help="stride-2 stages (default: to 1x1)"),
    "dropout": Field(float, 0.5, minimum=0.0, maximum=0.9, help="in the first 3 decoder layers"),
    "normalization": Field(str, "batch", choices=_TRANSLATION_NORMALIZATIONS),
}
_RESNET_SCHEMA = {
    "width": Field(int, 64, minimum=1, help="filters of the first layer"),
    "blocks": Field(int, 9, minimum=0, help="residual blocks (6 at 128 px, 9 at 256 px)"),
    "normalization": Field(str, "instance", choices=_TRANSLATION_NORMALIZATIONS),
}
register_architecture("unet", generator_schema=_UNET_SCHEMA, discriminator_schema=_PATCHGAN_SCHEMA,
                      encoder_schema={})(_translation_networks(networks.build_unet_generator))
register_architecture("resnet", generator_schema=_RESNET_SCHEMA, discriminator_schema=_PATCHGAN_SCHEMA,
                      encoder_schema={})(_translation_networks(networks.build_resnet_generator))


register_model_type("pix2pix", trainer=Pix2Pix, architectures=("unet", "resnet"),
                    options={"l1_weight": Field(float, 100.0, minimum=0.0, help="lambda of the L1 term"),
                             "adversarial_weight": Field(float, 1.0, minimum=0.0, help="0: the L1-only baseline")})
register_model_type("cyclegan", trainer=CycleGAN, architectures=("resnet", "unet"),
                    options={"cycle_weight": Field(float, 10.0, minimum=0.0, help="lambda of the cycle loss"),
                             "identity_weight": Field(float, 5.0, minimum=0.0, help="0.5 lambda in the paper"),
                             "pool_size": Field(int, 50, minimum=0, help="history of generated images per D")},
                    defaults={"model.discriminator.normalization": "instance"})

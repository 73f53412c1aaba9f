"""The zoo: entry names -> validated configs -> compiled models.

An entry `<model>-<dataset>` is the file `zoo_configs/<entry>.yaml`. `build` turns an entry (or a
validated config) into a compiled trainer whose networks match the entry's data.
"""

import os
import sys
from pathlib import Path

import keras

from ganzoo import data as ganzoo_data
from ganzoo import precision
from ganzoo.errors import ConfigError, PretrainedError, UnknownEntryError
from ganzoo.networks.layers import MINIBATCH_STD_GROUP
from ganzoo.trainers.schedules import ConstantThenLinearDecay
from ganzoo.zoo.config import load_config_file
from ganzoo.zoo.model_types import ARCHITECTURES, MODEL_TYPES


def config_dirs():
    """Where zoo configs are looked for: $GANZOO_CONFIG_DIR, the source checkout, the installed copy."""
    candidates = [os.environ.get("GANZOO_CONFIG_DIR"),
                  Path(__file__).resolve().parents[2] / "zoo_configs",
                  Path(sys.prefix) / "share" / "ganzoo" / "zoo_configs"]
    return [Path(c) for c in candidates if c and Path(c).is_dir()]


def _entry_paths():
    paths = {}
    for directory in reversed(config_dirs()):  # earlier directories win
        paths.update({path.stem: path for path in sorted(directory.glob("*.yaml"))})
    return dict(sorted(paths.items()))


def list_models():
    """{entry name: one-line description} for every zoo entry."""
    return {name: load_config_file(path)["description"] for name, path in _entry_paths().items()}


def get_config(name, overrides=None):
    """The validated config of entry `name` (or of a YAML file path) with `overrides` applied."""
    if str(name).endswith((".yaml", ".yml")):
        return load_config_file(name, overrides)
    paths = _entry_paths()
    if name not in paths:
        raise UnknownEntryError(f"Unknown zoo entry. Expected one of {sorted(paths)} (see `ganzoo list`). "
                                f"Received: {name!r}")
    return load_config_file(paths[name], overrides)


def data_options(data_config):
    """Keyword arguments for `ganzoo.data.load` from a config's data section."""
    options = {"split": data_config["split"], "image_size": data_config["image_size"]}
    if data_config["reverse"]:
        if not ganzoo_data.pair_kind(data_config["name"]):
            raise ConfigError(f"data.reverse swaps the sides of translation data (image pairs). Received: "
                              f"data.reverse=True with data.name={data_config['name']!r}")
        options["reverse"] = True
    if data_config["num_samples"] is not None:
        if data_config["name"] not in ganzoo_data.MIXTURES:
            raise ConfigError(f"data.num_samples applies to the 2D mixtures {sorted(ganzoo_data.MIXTURES)} only. "
                              f"Received: data.num_samples={data_config['num_samples']} with "
                              f"data.name={data_config['name']!r}")
        options["num_samples"] = data_config["num_samples"]
    return options


def sample_shape_of(data_config):
    """The shape of one example of the config's dataset; for image pairs, (first shape, second shape)."""
    dataset = ganzoo_data.load(data_config["name"], batch_size=1, shuffle=False, **data_options(data_config))
    spec = dataset.element_spec
    if isinstance(spec, tuple):
        return tuple(tuple(part.shape[1:]) for part in spec)
    return tuple(spec.shape[1:])


def _check_data_fits_game(config, kind):
    """Translation games need image pairs (pix2pix: aligned ones); the others need single samples."""
    name = config["data"]["name"]
    pairs = ganzoo_data.pair_kind(name)
    if kind.translation and not pairs:
        raise ConfigError(f"model.type {kind.name} translates images and needs image pairs (colorize, edges2digits, "
                          f"digits-negative, paired:PATH, unpaired:PATH, tfds cycle_gan/*). Received: data.name={name!r}")
    if kind.layout == "paired" and pairs == "unpaired":
        raise ConfigError(f"model.type {kind.name} needs aligned (input, target) pairs; {name!r} holds unpaired "
                          f"domains (use model.type cyclegan). Received: data.name={name!r}")
    if kind.layout == "unpaired" and pairs == "paired":
        raise ConfigError(f"model.type {kind.name} learns from two unpaired domains; {name!r} holds aligned pairs "
                          f"(use model.type pix2pix, or unpaired:PATH with PATH/trainA and PATH/trainB). "
                          f"Received: data.name={name!r}")
    if not kind.translation and pairs:
        raise ConfigError(f"model.type {kind.name} generates single samples; {name!r} holds image pairs (use "
                          f"pix2pix or cyclegan). Received: data.name={name!r}")


def training_dataset(config, model, *, seed=None, shuffle=True):
    """The dataset `model.fit` trains on for this config: batches of k minibatches (see
    `real_batch_size`), with labels for conditional models; shuffled by `seed` (default: the config's)."""
    data = config["data"]
    seed = config["training"]["seed"] if seed is None else seed
    return ganzoo_data.load(data["name"], batch_size=model.real_batch_size(data["batch_size"]), seed=seed,
                            shuffle=shuffle, with_labels=model.conditional, **data_options(data))


def training_steps(config, model):
    """Training steps of the config's whole run: epochs x steps per epoch (counted from the data)."""
    training, data = config["training"], config["data"]
    steps_per_epoch = training["steps_per_epoch"]
    if steps_per_epoch is None:
        dataset = training_dataset(config, model, shuffle=False)
        steps_per_epoch = int(dataset.cardinality())
        if steps_per_epoch < 1:
            raise ConfigError(f"The length of {data['name']!r} is unknown, so a learning-rate decay needs "
                              f"training.steps_per_epoch. Received: training.steps_per_epoch=None")
    return training["epochs"] * steps_per_epoch


def build_optimizer(config, updates=None):
    """An optimiser from a config section; `updates` (this optimiser's total updates) sets the decay."""
    learning_rate = config["learning_rate"]
    if config["decay"] == "linear":
        constant = int(round(config["decay_start"] * updates))
        learning_rate = ConstantThenLinearDecay(learning_rate, constant, max(updates - constant, 1))
    name = config["name"]
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=config["beta_1"], beta_2=config["beta_2"])
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=config["momentum"])
    return keras.optimizers.RMSprop(learning_rate, momentum=config["momentum"])


def _check_batch_fits_discriminator(config):
    """Packing and minibatch std split every minibatch into groups: refuse sizes they cannot divide."""
    batch, discriminator = config["data"]["batch_size"], config["model"]["discriminator"]
    group = min(MINIBATCH_STD_GROUP, batch) if discriminator.get("minibatch_std") else 1
    groups = {"model.discriminator.packing": discriminator.get("packing", 1),
              f"model.discriminator.minibatch_std (groups of {MINIBATCH_STD_GROUP})": group}
    for key, group in groups.items():
        if batch % group:
            raise ConfigError(f"data.batch_size must be divisible by {group} for {key}. "
                              f"Received: data.batch_size={batch}")


def build_from_config(config, sample_shape=None, compile=True):
    """A trainer from a validated config; `sample_shape` defaults to the shape of the config's data."""
    model_config, seed = config["model"], config["training"]["seed"]
    kind = MODEL_TYPES[model_config["type"]]
    _check_batch_fits_discriminator(config)
    _check_data_fits_game(config, kind)
    sample_shape = tuple(sample_shape or sample_shape_of(config["data"]))
    options = {name: model_config[name] for name in kind.options}
    game = {"loss": model_config["loss"]}
    if kind.latent:
        game.update(discriminator_steps=model_config["discriminator_steps"],
                    latent_distribution=model_config["latent_distribution"])
    ema = {key: value for key, value in model_config["ema"].items() if value is not None}
    if ema:
        game["ema"] = ema
    try:
        with precision.dtype_policy(config["training"]["precision"]):
            built = ARCHITECTURES[model_config["architecture"]].build_networks(
                model_config=model_config, sample_shape=sample_shape, seed=seed,
                num_classes=options.get("num_classes"), layout=kind.layout)
        built = {role: precision.with_float32_outputs(network) for role, network in built.items()}
        model = kind.trainer(**built, **game, seed=seed, **options)
    except ValueError as error:  # an architecture that does not fit the data, e.g. a DCGAN on 2D points
        raise ConfigError(f"Cannot build {model_config['type']} for data of shape {sample_shape}: {error}") from None
    if compile:
        decays = any(config["optimizer"][p.name]["decay"] != "none" for p in model.players())
        steps = training_steps(config, model) if decays else None
        model.compile(optimizers={p.name: build_optimizer(config["optimizer"][p.name],
                                                          steps and int(round(steps * model.updates_per_step(p.name))))
                                  for p in model.players()},
                      jit_compile=config["training"]["jit_compile"])
    return model


def build(name, *, compile=True, **overrides):
    """A compiled model for zoo entry `name`. Keyword overrides use unique leaf names
    (`latent_dim=2`) or, through a dict, dotted keys (`**{"optimizer.generator.learning_rate": 1e-3}`)."""
    return build_from_config(get_config(name, overrides), compile=compile)


def load(name):
    """The pretrained model of zoo entry `name`, after checking its sha256 against the manifest."""
    from ganzoo.zoo.pretrained import load_keras_model, read_manifest

    if name not in _entry_paths():
        raise UnknownEntryError(f"Unknown zoo entry. Expected one of {sorted(_entry_paths())}. Received: {name!r}")
    if name not in read_manifest():
        raise PretrainedError(f"Zoo entry {name!r} has no pretrained model yet; train it with `ganzoo train {name}`")
    return load_keras_model(name, "model.keras")

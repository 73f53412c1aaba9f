"""The zoo: entry names -> validated configs -> compiled models.

An entry `<model>-<dataset>` is the file `zoo_configs/<entry>.yaml`. `build` turns an entry (or a
validated config) into a compiled trainer whose networks match the entry's data.
"""

import keras

from ganzoo import artifacts, distribute, precision
from ganzoo import data as ganzoo_data
from ganzoo.errors import ConfigError, PretrainedError, UnknownEntryError
from ganzoo.networks.layers import MINIBATCH_STD_GROUP
from ganzoo.trainers.base import lazy_adam_settings
from ganzoo.trainers.schedules import ConstantThenLinearDecay
from ganzoo.zoo.config import load_config_file
from ganzoo.zoo.entries import entry_paths, list_models  # noqa: F401 (list_models: part of the registry API)
from ganzoo.zoo.model_types import ARCHITECTURES, MODEL_TYPES


def get_config(name, overrides=None):
    """The validated config of entry `name` (or of a YAML file path) with `overrides` applied."""
    if str(name).endswith((".yaml", ".yml")):
        return load_config_file(name, overrides)
    paths = entry_paths()
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
    name, value_range, channels = data_config["name"], data_config.get("value_range"), data_config.get("channels")
    if value_range is not None:
        if not name.endswith(".npz"):
            raise ConfigError(f"data.value_range declares the range of float image arrays (.npz files); the other "
                              f"sources are read as 8-bit images. Received: data.value_range={value_range} with "
                              f"data.name={name!r}")
        options["value_range"] = tuple(value_range)
    if channels is not None:
        if ganzoo_data.pair_kind(name) or name in ganzoo_data.MIXTURES:
            raise ConfigError(f"data.channels converts single images (not 2D points or translation pairs). Received: "
                              f"data.channels={channels} with data.name={name!r}")
        options["channels"] = channels
    return options


def open_training_data(data_config):
    """The config's training data, read once (a `ganzoo.data.OpenedSource`): its example shape, its
    length and the training pipeline all come from it."""
    return ganzoo_data.open_source(data_config["name"], **data_options(data_config))


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


def training_dataset(config, model, *, seed=None, shuffle=True, source=None):
    """The dataset `model.fit` trains on for this config: batches of k minibatches (see
    `real_batch_size`), with labels for conditional models; shuffled by `seed` (default: the config's).
    `source`: the config's data already opened (default: open it)."""
    data = config["data"]
    source = source or open_training_data(data)
    seed = config["training"]["seed"] if seed is None else seed
    dataset = source.batches(_global_batch(config, model), seed=seed, shuffle=shuffle, with_labels=model.conditional)
    return distribute.arrange_for_replicas(dataset, model.steps_per_train_step)


def training_stream(config, model, source=None, *, start_step=0):
    """The endless stream a `ganzoo train` run reads from step `start_step` on: batch s depends only on
    (the config's seed, s) for in-memory data (see `ganzoo.data.OpenedSource.stream`)."""
    stream = (source or open_training_data(config["data"])).stream(
        _global_batch(config, model), seed=config["training"]["seed"], start_step=start_step,
        with_labels=model.conditional)
    return distribute.arrange_for_replicas(stream, model.steps_per_train_step)


def _global_batch(config, model):
    """The dataset batch of one training step: k minibatches of data.batch_size, each split evenly over
    the strategy's replicas (so the run trains as it would on one device)."""
    _check_batch_fits(config)
    return model.real_batch_size(config["data"]["batch_size"])


def steps_per_epoch(config, model, source=None):
    """The config's training.steps_per_epoch, else the full batches in one pass over its data."""
    data, steps = config["data"], config["training"]["steps_per_epoch"]
    if steps is None:
        steps = (source or open_training_data(data)).batches_per_epoch(model.real_batch_size(data["batch_size"]))
        if not steps:
            raise ConfigError(f"The length of {data['name']!r} is unknown, so training needs "
                              f"training.steps_per_epoch. Received: training.steps_per_epoch=None")
    return steps


def training_steps(config, model, source=None):
    """Training steps of the config's whole run: epochs x steps per epoch."""
    return config["training"]["epochs"] * steps_per_epoch(config, model, source)


def build_optimizer(config, updates=None, lazy_ratio=1.0):
    """An optimiser from a config section; `updates` (this optimiser's total updates) sets the decay;
    `lazy_ratio` < 1 rescales Adam for a lazily regularised player (`trainers.base.lazy_adam_settings`)."""
    config = lazy_adam_settings(config, lazy_ratio)
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


def _check_batch_fits(config):
    """data.batch_size is the global minibatch, split evenly over the strategy's replicas; packing and
    minibatch std split it into groups of consecutive examples, within each replica's share (which then
    holds the same groups as one device's minibatch): refuse sizes they cannot divide."""
    batch, discriminator = config["data"]["batch_size"], config["model"]["discriminator"]
    replicas = distribute.num_replicas()
    if batch % replicas:
        raise ConfigError(f"data.batch_size is the global minibatch, split evenly over the {replicas} replicas of "
                          f"the strategy, so it must be divisible by {replicas}. Received: data.batch_size={batch}")
    share = batch // replicas
    group = min(MINIBATCH_STD_GROUP, batch) if discriminator.get("minibatch_std") else 1
    groups = {"model.discriminator.packing": discriminator.get("packing", 1),
              f"model.discriminator.minibatch_std (groups of {MINIBATCH_STD_GROUP})": group,
              "model.discriminator.mbstd_group_size": min(discriminator.get("mbstd_group_size", 1), batch)}
    for key, group in groups.items():
        if batch % group:
            raise ConfigError(f"data.batch_size must be divisible by {group} for {key}. "
                              f"Received: data.batch_size={batch}")
        if share % group:
            raise ConfigError(f"Each of the {replicas} replicas forms {key} within its share of the minibatch, so "
                              f"data.batch_size / {replicas} must be divisible by {group}. Received: "
                              f"data.batch_size={batch} ({share} per replica)")


def build_from_config(config, sample_shape=None, compile=True, source=None):
    """A trainer from a validated config; `sample_shape` defaults to the shape of the config's data
    (`source`, the data already opened, or opened here when needed)."""
    model_config, seed = config["model"], config["training"]["seed"]
    kind = MODEL_TYPES[model_config["type"]]
    _check_data_fits_game(config, kind)
    if sample_shape is None:
        source = source or open_training_data(config["data"])
        sample_shape = source.element_shape
    sample_shape = tuple(sample_shape)
    options = {name: model_config[name] for name in kind.options}
    game = {"loss": model_config["loss"]}
    if kind.latent:
        game.update(discriminator_steps=model_config["discriminator_steps"],
                    latent_distribution=model_config["latent_distribution"])
    ema = {key: value for key, value in model_config["ema"].items() if value is not None}
    if ema:
        game["ema"] = ema
    if model_config.get("synchronized_batch_norm") is not None:
        game["synchronized_batch_norm"] = model_config["synchronized_batch_norm"]
    with distribute.scope(distribute.strategy_for(config["training"])):  # models and optimisers on its strategy
        return _build(config, kind, sample_shape, options, game, compile, source)


def _build(config, kind, sample_shape, options, game, compile, source):
    model_config, seed = config["model"], config["training"]["seed"]
    _check_batch_fits(config)
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
        steps = training_steps(config, model, source) if decays else None
        model.compile(optimizers={p.name: build_optimizer(config["optimizer"][p.name],
                                                          steps and int(round(steps * model.updates_per_step(p.name))),
                                                          model.lazy_regularization_ratio(p.name))
                                  for p in model.players()},
                      jit_compile=config["training"]["jit_compile"],
                      steps_per_execution=config["training"].get("steps_per_execution", 1))
    return model


def build(name, *, compile=True, **overrides):
    """A compiled model for zoo entry `name`. Keyword overrides use unique leaf names
    (`latent_dim=2`) or, through a dict, dotted keys (`**{"optimizer.generator.learning_rate": 1e-3}`)."""
    return build_from_config(get_config(name, overrides), compile=compile)


#: the file (or folder) of each shipped format, under pretrained/<entry>/
PRETRAINED_FILES = {"keras": "model.keras", "saved_model": "saved_model",
                    **{f"tflite_{quantize}": f"model_{quantize}.tflite" for quantize in ("float16", "int8", "none")}}


def load(name, format="keras", quantize="float16"):
    """The pretrained model of zoo entry `name`, after checking the sha256 of every file it reads
    against the manifest: format "keras" the whole trainer (for an entry shipped without model.keras,
    the trainer built from its recorded config with the SavedModel's inference networks; its
    discriminators start fresh); "saved_model" what `tf.saved_model.load`
    returns (its signatures generate, translate, ...); "tflite" a `ganzoo.lite.TFLiteModel` of the
    shipped file with `quantize` ("float16"; others where shipped; ignored by the other formats)."""
    if name not in entry_paths():
        raise UnknownEntryError(f"Unknown zoo entry. Expected one of {sorted(entry_paths())}. Received: {name!r}")
    manifest = artifacts.read_manifest()
    if name not in manifest:
        raise PretrainedError(f"Zoo entry {name!r} has no pretrained model yet; train it with `ganzoo train {name}`")
    if format not in ("keras", "saved_model", "tflite") or (format == "tflite" and quantize not in
                                                             ("float16", "int8", "none")):
        raise ConfigError(f"format must be keras, saved_model or tflite (tflite: quantize float16, int8 or none). "
                          f"Received: format={format!r}, quantize={quantize!r}")
    shipped = PRETRAINED_FILES[format if format != "tflite" else f"tflite_{quantize}"]
    files = manifest[name]["files"]
    if format == "keras" and shipped not in files and any(file.startswith("saved_model/") for file in files):
        config = manifest[name].get("config") or get_config(name)  # what it was trained with
        return artifacts.restore_inference_networks(name, build_from_config(config, compile=False))
    if shipped not in files and not any(file.startswith(shipped + "/") for file in files):
        raise PretrainedError(f"{name} ships {', '.join(sorted({file.split('/')[0] for file in files}))}, not "
                              f"{shipped}. Make that file with `ganzoo export {name} --format {format}"
                              f"{'' if format != 'tflite' else ' --quantize ' + quantize} --out PATH` and open "
                              f"it from PATH{' with ganzoo.lite.TFLiteModel(PATH)' if format == 'tflite' else ''}")
    if format == "keras":
        return artifacts.load_keras_model(name, shipped)
    if format == "saved_model":
        return artifacts.load_saved_model(name, shipped)
    return artifacts.load_tflite(name, shipped)

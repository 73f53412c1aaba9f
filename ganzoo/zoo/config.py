"""Zoo configs: YAML recipes (model + data + optimisers + training), validated on load.

Overrides use dotted keys (`optimizer.generator.learning_rate=1e-4`) or, from Python, a leaf name
that is unique in the schema (`latent_dim=2`). Every override is validated like the file itself.
"""

import copy
import inspect

import yaml

from ganzoo.distribute import STRATEGIES
from ganzoo.errors import ConfigError
from ganzoo.losses import LOSS_FAMILIES
from ganzoo.precision import PRECISIONS
from ganzoo.trainers.gan import LATENT_DISTRIBUTIONS
from ganzoo.zoo.model_types import ARCHITECTURES, MODEL_TYPES
from ganzoo.zoo.entries import yaml_problem
from ganzoo.zoo.schema import Field, leaf_keys, validate


OPTIMIZER_SCHEMA = {
    "name": Field(str, "adam", choices=("adam", "sgd", "rmsprop")),
    "learning_rate": Field(float, 2e-4, minimum=0.0, help="default: the trainer's"),
    "beta_1": Field(float, 0.5, minimum=0.0, maximum=1.0, help="Adam only"),
    "beta_2": Field(float, 0.999, minimum=0.0, maximum=1.0, help="Adam only"),
    "momentum": Field(float, 0.0, minimum=0.0, maximum=1.0, help="SGD and RMSprop only"),
    "decay": Field(str, "none", choices=("none", "linear"), help="linear: constant, then linearly to 0"),
    "decay_start": Field(float, 0.5, minimum=0.0, maximum=1.0, help="fraction of training before the decay"),
}


#: Model keys of the games whose generator maps latents to samples (not of translation games).
LATENT_GAME_FIELDS = {
    "latent_dim": Field(int, 64, minimum=1),
    "latent_distribution": Field(str, "normal", choices=LATENT_DISTRIBUTIONS),
    "discriminator_steps": Field(int, 1, minimum=1, maximum=100),
}


#: `model.ema`: an exponential moving average of the inference networks (see `trainers.ema`).
EMA_SCHEMA = {
    "decay": Field(float, None, minimum=0.0, maximum=1.0, nullable=True, help="constant beta"),
    "half_life_kimg": Field(float, None, minimum=0.0, nullable=True, help="StyleGAN2's ema_kimg"),
    "ramp": Field(float, None, minimum=0.0, nullable=True, help="with half_life_kimg: ADA's ema_rampup"),
}


def trainer_defaults(trainer):
    """{keyword: default} of a trainer class's constructor, through its base classes (a subclass's
    default wins): the one place a game's paper defaults are written."""
    defaults = {}
    for cls in trainer.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for name, parameter in inspect.signature(init).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                defaults.setdefault(name, parameter.default)
    return defaults


def _trainer_defaults_in(schema, trainer):
    """The model and optimizer defaults of `schema` replaced by the trainer's own."""
    defaults = trainer_defaults(trainer)
    model = schema["model"]
    for key, field in model.items():
        if isinstance(field, Field) and key in defaults and defaults[key] is not None:
            model[key] = field._replace(default=defaults[key])
    optimizer = {key: field._replace(default=trainer.optimizer_defaults.get(key, field.default))
                 for key, field in OPTIMIZER_SCHEMA.items()}
    schema["optimizer"] = {player: optimizer for player in trainer.player_names}
    return schema


def schema_for(model_type, architecture=None):
    """The full schema of a config whose model.type is `model_type` and model.architecture is
    `architecture` (None: the type's default), with the type's defaults in place."""
    if model_type not in MODEL_TYPES:
        raise ConfigError(f"model.type must be one of {sorted(MODEL_TYPES)}. Received: model.type={model_type!r}")
    kind = MODEL_TYPES[model_type]
    architecture = kind.architectures[0] if architecture is None else architecture
    if architecture not in kind.architectures:
        raise ConfigError(f"model.architecture of a {model_type} must be one of {list(kind.architectures)}. "
                          f"Received: model.architecture={architecture!r}")
    networks = ARCHITECTURES[architecture]
    schema = {
        "description": Field(str, ""),
        "model": {
            "type": Field(str, choices=tuple(MODEL_TYPES)),
            "architecture": Field(str, kind.architectures[0], choices=kind.architectures),
            **(LATENT_GAME_FIELDS if kind.latent else {}),
            "loss": Field(str, "non_saturating", choices=tuple(LOSS_FAMILIES)),
            **kind.options,
            "generator": networks.generator_schema,
            "discriminator": networks.discriminator_schema,
            **({"encoder": networks.encoder_schema} if kind.layout == "joint" else {}),
            "ema": EMA_SCHEMA,
            "synchronized_batch_norm": Field(bool, None, nullable=True,
                                             help="batch-norm statistics over the global minibatch under a strategy "
                                                  "(null: synchronised when there are several replicas)"),
        },
        "data": {
            "name": Field(str, help="digits, ring, grid, colorize, edges2digits, digits-negative, a path "
                                    "(.npz, folder, paired:PATH, unpaired:PATH) or a tfds name"),
            "split": Field(str, "train"),
            "image_size": Field(int, None, minimum=4, nullable=True),
            "batch_size": Field(int, 64, minimum=1, help="minibatch per update (the dataset batch is k times this)"),
            "num_samples": Field(int, None, minimum=1, nullable=True, help="ring/grid only"),
            "reverse": Field(bool, False, help="translation data only: swap inputs and targets (domains A and B)"),
            "value_range": Field(list, None, nullable=True, choices=([0, 1], [0, 255], [-1, 1]), item_type=float,
                                 help="float image arrays (.npz): the range their pixel values are in"),
            "channels": Field(int, None, nullable=True, choices=(1, 3),
                              help="image data: convert to 1 (grayscale) or 3 (RGB) channels; null: as stored"),
        },
        "optimizer": {},  # one section per player of the trainer, with its defaults
        "training": {
            "epochs": Field(int, 10, minimum=1),
            "steps_per_epoch": Field(int, None, minimum=1, nullable=True),
            "seed": Field(int, 0, minimum=0),
            "jit_compile": Field(bool, False),
            "precision": Field(str, "float32", choices=PRECISIONS, help="mixed: float32 variables and outputs"),
            "deterministic": Field(bool, False, help="TensorFlow's op determinism (turns XLA off)"),
            "distribution": Field(str, "default", choices=STRATEGIES,
                                  help="tf.distribute strategy: default (one device), mirrored (the devices of this "
                                       "host), multi_worker_mirrored (TF_CONFIG's cluster), tpu"),
            "tpu_address": Field(str, None, nullable=True, help="distribution tpu: the TPU's name or grpc:// address"),
            "steps_per_execution": Field(int, 1, minimum=1,
                                         help="training steps per call into TensorFlow (less Python overhead per step "
                                              "for small networks; callbacks then see every N-th step)"),
            "checkpoint_every_steps": Field(int, None, minimum=1, nullable=True,
                                            help="backup interval in steps (default: every epoch)"),
            "checkpoint_every_seconds": Field(float, None, minimum=1.0, nullable=True,
                                              help="backup interval in wall-clock seconds (default: every epoch)"),
        },
    }
    return _with_defaults(_trainer_defaults_in(schema, kind.trainer), kind.defaults)


def _with_defaults(schema, defaults):
    """A copy of `schema` whose fields at the dotted keys of `defaults` have new defaults."""
    schema = copy.deepcopy(schema)
    for key, value in defaults.items():
        *parents, leaf = key.split(".")
        node = schema
        for parent in parents:
            node = node[parent]
        node[leaf] = node[leaf]._replace(default=value)
    return schema


def parse_override(text):
    """'a.b=value' -> ('a.b', value) with the value read as YAML (numbers, booleans, lists, null)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"An override must look like key.subkey=value. Received: {text!r}")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        raise ConfigError(f"Cannot read the value of override {text!r} as YAML") from None


def _resolve_key(key, schema):
    keys = leaf_keys(schema)
    if key in keys:
        return key
    matches = [full for full in keys if full.endswith(f".{key}")]
    if len(matches) == 1 and "." not in key:
        return matches[0]
    if len(matches) > 1:
        raise ConfigError(f"Override {key!r} is ambiguous; use one of {matches}. Received: {key}")
    raise ConfigError(f"Unknown config key {key!r}. Expected one of: {', '.join(keys)}. Received: {key}")


def apply_overrides(raw, overrides):
    """A copy of the raw (unvalidated) config with `overrides` ({key: value}) set, then validated."""
    config = copy.deepcopy(raw)
    overrides = dict(overrides or {})
    for key in ("model.type", "model.architecture"):  # these choose the schema, so they go first
        if key in overrides:
            config.setdefault("model", {})[key.split(".")[1]] = overrides.pop(key)
    model = config.get("model") or {}
    schema = schema_for(model.get("type"), model.get("architecture"))
    for key, value in overrides.items():
        *parents, leaf = _resolve_key(key, schema).split(".")
        node = config
        for parent in parents:
            node = node.setdefault(parent, {})
            if not isinstance(node, dict):
                raise ConfigError(f"Cannot set {key}: {parent} is not a mapping in the config")
        node[leaf] = value
    return validate(config, schema)


def load_config_file(path, overrides=None):
    """Reads, overrides and validates the YAML config at `path`."""
    try:
        with open(path) as file:
            raw = yaml.safe_load(file) or {}
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path!r}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"Config file {path!r} is not valid YAML: {yaml_problem(error)}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("model"), dict):
        raise ConfigError(f"{path}: expected a mapping with a model section (model.type). Received: {raw!r}"[:300])
    try:
        return apply_overrides(raw, overrides)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def dump_config(config):
    """The config as YAML text (keys in schema order)."""
    return yaml.safe_dump(config, sort_keys=False)

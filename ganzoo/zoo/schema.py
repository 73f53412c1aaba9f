"""A small declarative schema for zoo configs: nested dicts of `Field`s.

`validate(config, schema)` returns a new config with defaults filled in, or raises `ConfigError`
naming the dotted key, the value received and what is allowed. Unknown keys are errors (a typo
must not silently fall back to a default).
"""

from typing import Any, NamedTuple

from ganzoo.errors import ConfigError

REQUIRED = object()
_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list"}


class Field(NamedTuple):
    """One leaf of a config. `item_type` types the elements of a list; bounds are inclusive."""

    type: type
    default: Any = REQUIRED
    choices: tuple = None
    minimum: float = None
    maximum: float = None
    item_type: type = None
    nullable: bool = False
    help: str = ""


def _is_instance(value, expected):
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _check_number(key, value, field):
    if field.minimum is not None and value < field.minimum:
        raise ConfigError(f"{key} must be >= {field.minimum}. Received: {key}={value!r}")
    if field.maximum is not None and value > field.maximum:
        raise ConfigError(f"{key} must be <= {field.maximum}. Received: {key}={value!r}")


def _as_float(value):
    """YAML 1.1 reads '1e-4' (no dot) as a string; accept such spellings for number fields."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _validate_field(key, value, field):
    if value is None and field.nullable:
        return None
    if field.type is float:
        value = _as_float(value)
    if not _is_instance(value, field.type):
        allowed = _TYPE_NAMES.get(field.type, field.type.__name__) + (" or null" if field.nullable else "")
        raise ConfigError(f"{key} must be {allowed}. Received: {key}={value!r} ({type(value).__name__})")
    if field.type is float:
        value = float(value)
    if field.choices is not None and value not in field.choices:
        raise ConfigError(f"{key} must be one of {list(field.choices)}. Received: {key}={value!r}")
    if field.type in (int, float):
        _check_number(key, value, field)
    if field.type is list and field.item_type is not None:
        for index, item in enumerate(value):
            if not _is_instance(item, field.item_type):
                raise ConfigError(f"{key} must hold only {_TYPE_NAMES[field.item_type]}s. "
                                  f"Received: {key}[{index}]={item!r}")
            if field.item_type in (int, float):
                _check_number(f"{key}[{index}]", item, field)
    return value


def validate(config, schema, prefix=""):
    """Returns `config` checked against `schema`, with defaults filled in."""
    where = prefix.rstrip(".") or "the config"
    if not isinstance(config, dict):
        raise ConfigError(f"{where} must be a mapping. Received: {config!r}")
    unknown = sorted(set(config) - set(schema))
    if unknown:
        raise ConfigError(f"Unknown key {prefix}{unknown[0]}. Expected keys of {where}: {sorted(schema)}. "
                          f"Received: {prefix}{unknown[0]}={config[unknown[0]]!r}")
    result = {}
    for name, spec in schema.items():
        key = f"{prefix}{name}"
        if isinstance(spec, dict):
            result[name] = validate(config.get(name, {}), spec, prefix=f"{key}.")
        elif name in config:
            result[name] = _validate_field(key, config[name], spec)
        elif spec.default is REQUIRED:
            raise ConfigError(f"Missing required key {key}. Expected: {_TYPE_NAMES.get(spec.type, spec.type)}")
        else:
            result[name] = list(spec.default) if isinstance(spec.default, (list, tuple)) else spec.default
    return result


def leaf_keys(schema, prefix=""):
    """Every dotted leaf key of `schema`."""
    keys = []
    for name, spec in schema.items():
        keys.extend(leaf_keys(spec, f"{prefix}{name}.") if isinstance(spec, dict) else [f"{prefix}{name}"])
    return keys

"""Where zoo entries live and what they are called: `zoo_configs/<entry>.yaml` files, found without
importing TensorFlow or validating every config (validation happens when an entry is used)."""

import os
import sys
from pathlib import Path

import yaml

from ganzoo.errors import ConfigError


def config_dirs():
    """Where zoo configs are looked for: $GANZOO_CONFIG_DIR, the source checkout, the installed copy."""
    candidates = [os.environ.get("GANZOO_CONFIG_DIR"),
                  Path(__file__).resolve().parents[2] / "zoo_configs",
                  Path(sys.prefix) / "share" / "ganzoo" / "zoo_configs"]
    return [Path(c) for c in candidates if c and Path(c).is_dir()]


def entry_paths():
    """{entry name: its YAML file}; an entry in an earlier directory of `config_dirs` wins."""
    paths = {}
    for directory in reversed(config_dirs()):
        paths.update({path.stem: path for path in sorted(directory.glob("*.yaml"))})
    return dict(sorted(paths.items()))


def list_models():
    """{entry name: one-line description} for every zoo entry."""
    return {name: _description(path) for name, path in entry_paths().items()}


def yaml_problem(error):
    """One line for a YAML error: what the parser expected and where ("line 2, column 6")."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(error, 'problem', None) or str(error).splitlines()[0]}{where}"


def _description(path):
    try:
        with open(path) as file:
            recipe = yaml.safe_load(file)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({yaml_problem(error)}). Received: a file that does not parse") from None
    return str(recipe.get("description", "")) if isinstance(recipe, dict) else ""

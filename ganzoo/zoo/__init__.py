"""The registry of zoo entries and their validated configs."""

from ganzoo.zoo.config import dump_config, load_config_file, parse_override  # noqa: F401
from ganzoo.zoo.registry import build, build_from_config, get_config, list_models, load  # noqa: F401

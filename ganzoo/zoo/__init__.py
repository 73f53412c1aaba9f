"""The registry of zoo entries and their validated configs. Entry names and descriptions
(`list_models`) are read without importing TensorFlow; the rest is imported on first use."""

from ganzoo._lazy import lazy_attributes
from ganzoo.zoo.entries import list_models  # noqa: F401

__getattr__, __dir__ = lazy_attributes(__name__, {
    **{name: f"ganzoo.zoo.config:{name}" for name in ("dump_config", "load_config_file", "parse_override")},
    **{name: f"ganzoo.zoo.registry:{name}" for name in ("build", "build_from_config", "get_config", "load")},
    **{name: f"ganzoo.zoo.{name}" for name in ("config", "registry", "model_types", "schema", "entries")},
})

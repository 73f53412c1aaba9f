"""Attributes of a package that are imported on first use (PEP 562), so that importing a light part
of ganzoo (layouts, the metric catalogue, entry descriptions, the command line's help) does not load
TensorFlow."""

import importlib


def lazy_attributes(package, exports):
    """A module `__getattr__` and `__dir__` for `package` that import `exports` on first use:
    {attribute: "module"} gives the module, {attribute: "module:name"} one of its attributes."""

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = exports[name].partition(":")
        value = importlib.import_module(module)
        return getattr(value, attribute) if attribute else value

    def __dir__():
        return sorted(set(exports) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__

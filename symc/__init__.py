"""symc: a declarative symmetry-specification compiler for equivariant neural networks.

    spec  = symc.load("specs/inertia.sym")      # .sym text -> frozen IR
    model = symc.build(spec)                    # IR -> torch.nn.Module (dicts of named fields)
    symc.testing.assert_equivariant(model, spec)

Submodules that pull in torch (``testing``, ``so3``, ``nn``) load on first attribute access, so
``import symc`` and the CLI's ``--help`` stay fast.
"""

from __future__ import annotations

import importlib
import sys
import types

from symc.api import build, equivariant_basis, group, load, parse, rep
from symc.errors import SourceLocation, SymcError, SymcWarning

__version__ = "0.1.0"

_LAZY_SUBMODULES = ("testing", "so3", "groups", "solvers", "backend", "frontend", "ir")


class _NNNamespace(types.ModuleType):
    """``symc.nn``: the backend's ``nn.Module`` layers, resolved when first used."""

    def _layers(self) -> dict[str, type]:
        import torch

        backend = importlib.import_module("symc.backend")
        names = getattr(backend, "__all__", dir(backend))
        return {
            name: obj
            for name in names
            if isinstance(obj := getattr(backend, name, None), type) and issubclass(obj, torch.nn.Module)
        }

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        layers = self._layers()
        if name not in layers:
            raise AttributeError(f"symc.nn has no layer '{name}' (available: {', '.join(sorted(layers))})")
        return layers[name]

    def __dir__(self) -> list[str]:
        return sorted(self._layers())


nn = sys.modules.setdefault(__name__ + ".nn", _NNNamespace(__name__ + ".nn", "Equivariant torch layers of symc."))


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'symc' has no attribute '{name}'")


__all__ = [
    "SourceLocation",
    "SymcError",
    "SymcWarning",
    "build",
    "equivariant_basis",
    "group",
    "load",
    "nn",
    "parse",
    "rep",
    "so3",
    "testing",
]

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

from symc.api import build, equivariant_basis, group, lint, load, parse, rep
from symc.errors import SourceLocation, SymcError, SymcWarning

__version__ = "0.1.0"

_LAZY_SUBMODULES = ("testing", "so3", "groups", "solvers", "methods", "layers", "frontend", "ir")


# symc.nn's layers and where the backend defines them (imported on first use: they pull in torch).
NN_LAYERS = {
    "SymcModule": "symc.layers.model",
    "BasisModel": "symc.methods.basis.builder",
    "EquivariantLinear": "symc.layers.linear",
    "GatedNonlinearity": "symc.layers.nonlinear",
    "EquivariantBilinear": "symc.layers.nonlinear",
    "SubgraphLayer": "symc.methods.ego.spen",
    "GraphModel": "symc.methods.ego.model",
    "TensorProduct": "symc.methods.tensor_product.module",
}


class _NNNamespace(types.ModuleType):
    """``symc.nn``: the backend's equivariant ``nn.Module`` layers, resolved when first used."""

    def __getattr__(self, name: str):
        if name not in NN_LAYERS:
            raise AttributeError(f"symc.nn has no layer '{name}' (available: {', '.join(sorted(NN_LAYERS))})")
        # Only module paths from the fixed NN_LAYERS table are imported; names reach here from Python code.
        return getattr(importlib.import_module(NN_LAYERS[name]), name)

    def __dir__(self) -> list[str]:
        return sorted(NN_LAYERS)


nn = sys.modules.setdefault(__name__ + ".nn", _NNNamespace(__name__ + ".nn", "Equivariant torch layers of symc."))


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:  # a fixed allow-list of symc's own subpackages
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'symc' has no attribute '{name}'")


__all__ = [
    "SourceLocation",
    "SymcError",
    "SymcWarning",
    "build",
    "equivariant_basis",
    "group",
    "lint",
    "load",
    "nn",
    "parse",
    "rep",
    "so3",
    "testing",
]

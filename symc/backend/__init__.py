"""Torch modules built from solved IR: ``build_model(spec) -> SymcModel`` for ``method basis``."""

from symc.backend.build import SymcModel, build_model

__all__ = ["SymcModel", "build_model"]

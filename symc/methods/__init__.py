"""Torch modules built from solved IR: ``build_model(spec) -> BasisModel`` for ``method basis``.

``write_standalone(model, out_dir)`` (in ``symc.methods.basis.codegen``) writes a model as a torch-only module.
"""

from symc.methods.basis.builder import BasisModel, build_model
from symc.methods.basis.codegen import write_standalone

__all__ = ["BasisModel", "build_model", "write_standalone"]

"""Symmetry IR: frozen, hashable dataclasses that solvers read and the cache keys on.

The IR imports neither the frontend nor torch. Source locations ride along for diagnostics but
never take part in equality, hashing or the canonical text.
"""

from symc.ir.group import GROUP_FAMILIES, GroupFactor, GroupSpec
from symc.ir.irreps import Irreps, MulIrrep
from symc.ir.model import (
    ArchitectureSpec,
    CallValue,
    FieldSpec,
    LocalitySpec,
    MethodSpec,
    ModelSpec,
    Program,
    Value,
    order_name,
)
from symc.ir.rep import (
    DualRep,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    RotationFrame,
    SumRep,
    TensorRep,
    rep_atoms,
)

__all__ = [
    "GROUP_FAMILIES",
    "ArchitectureSpec",
    "CallValue",
    "DualRep",
    "FieldSpec",
    "GroupFactor",
    "GroupSpec",
    "Irrep",
    "Irreps",
    "LocalitySpec",
    "MethodSpec",
    "ModelSpec",
    "MulIrrep",
    "MultipleRep",
    "Orientation",
    "Point",
    "ProductRep",
    "Program",
    "RepExpr",
    "RotationFrame",
    "SumRep",
    "TensorRep",
    "Value",
    "order_name",
    "rep_atoms",
]

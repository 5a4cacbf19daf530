"""The group catalogue: groups as data, their representations, field actions."""

from symc.groups.action import act_on_field, field_shape
from symc.groups.algebras import expm
from symc.groups.catalogue import generator_elements, group, lie_algebra_basis
from symc.groups.matrix_group import MatrixGroup, ProductGroup
from symc.groups.rep_nodes import (
    Defining,
    DirectSum,
    Dual,
    FactorRep,
    O3Irrep,
    PointRep,
    Rep,
    TensorProductRep,
    Trivial,
)
from symc.groups.reps import MAX_DIM, acting_factor_index, rep

__all__ = [
    "MAX_DIM",
    "Defining",
    "DirectSum",
    "Dual",
    "FactorRep",
    "MatrixGroup",
    "O3Irrep",
    "PointRep",
    "ProductGroup",
    "Rep",
    "TensorProductRep",
    "Trivial",
    "act_on_field",
    "acting_factor_index",
    "expm",
    "field_shape",
    "generator_elements",
    "group",
    "lie_algebra_basis",
    "rep",
]

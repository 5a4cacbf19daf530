"""The ``dense`` Gaunt route: every Gaunt coefficient of the descriptor in one ``(d1·d2, dout)`` GEMM, O(L⁶).

The coefficients are the grid product (``symc.so3.sphere_grid``, exact quadrature) of every pair of basis
vectors, scaled by ``sqrt(4π)``; fastest for small products (L ≤ 2).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.routes.base import GauntUnitRoute, degrees, outer_gemm
from symc.so3.sphere_grid import grid_product, operand_tables


def gaunt_coupling(descriptor: TensorProductDescriptor) -> Tensor:
    """``(d1·d2, dout)`` float64 Gaunt coupling of the unit layout, ``sqrt(4π)`` times the Gaunt coefficients."""
    u = descriptor.units
    l1, l2, lo = descriptor.lmax()
    units = (u.unit1, u.unit2, u.unit_out)
    tables = tuple(operand_tables(degrees(unit), l1 + l2 + lo, math.sqrt(4 * math.pi)) for unit in units)
    d1, d2 = (sum(ir.dim for ir in unit) for unit in (u.unit1, u.unit2))
    basis1 = torch.eye(d1, dtype=torch.float64).repeat_interleave(d2, 0)
    basis2 = torch.eye(d2, dtype=torch.float64).repeat(d1, 1)
    return grid_product(basis1, basis2, tables, (0, 1, 2)).contiguous()


class GauntDenseRoute(GauntUnitRoute):
    name = "dense"

    def __init__(self, descriptor: TensorProductDescriptor) -> None:
        super().__init__(descriptor)
        self._register_table("coupling", gaunt_coupling(descriptor))

    def product(self, x: Tensor, y: Tensor) -> Tensor:
        return outer_gemm(x, y, self._table("coupling", x))

"""The ``fft`` Gaunt route: the product on the 2D Fourier torus (``symc.so3.gaunt_fft``), O(L³), slower in practice.

Sparse conversions of both operands to ``N × N`` torus values (``N = 2(L1+L2)+1``), a pointwise product,
a projection back to the output degrees. A one-channel second operand is converted once and broadcast.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.routes.base import GauntUnitRoute, full_index
from symc.so3.gaunt_fft import fourier_tables, project_torus, torus_values


class FourierRoute(GauntUnitRoute):
    name = "fft"

    def __init__(self, descriptor: TensorProductDescriptor) -> None:
        super().__init__(descriptor)
        u = self.units
        l1, l2, lo = descriptor.lmax()
        rows1, rows2, cols = full_index(u.unit1), full_index(u.unit2), full_index(u.unit_out)
        tables = fourier_tables(l1, l2, lo)
        self.grid_size = tables.grid
        self.register_buffer("gather1", _to_unit_index(tables.gather1, rows1, (l1 + 1) ** 2), persistent=False)
        self.register_buffer("gather2", _to_unit_index(tables.gather2, rows2, (l2 + 1) ** 2), persistent=False)
        self._register_table("to_fourier1", tables.to_fourier1)
        self._register_table("to_fourier2", tables.to_fourier2)
        self._register_table("from_fourier", math.sqrt(4 * math.pi) * tables.from_fourier)
        self.register_buffer("scatter", tables.scatter[cols], persistent=False)

    def product(self, x: Tensor, y: Tensor) -> Tensor:
        rows, c, grid = x.shape[0], x.shape[1], self.grid_size
        vx = torus_values(x.reshape(rows * c, -1), self.gather1, self._table("to_fourier1", x), grid)
        vy = torus_values(y.reshape(rows * y.shape[1], -1), self.gather2, self._table("to_fourier2", x), grid)
        # A one-channel second operand (edge harmonics) is converted once and broadcast over channels.
        product = (vx.reshape(rows, c, grid, grid) * vy.reshape(rows, -1, grid, grid)).reshape(rows * c, grid, grid)
        return project_torus(product, self._table("from_fourier", x), self.scatter).reshape(rows, c, -1)


def _to_unit_index(gather: Tensor, rows: Tensor, full_size: int) -> Tensor:
    """Re-point a full-layout gather at the unit layout; absent components read the zero slot."""
    lookup = torch.full((full_size + 1,), len(rows), dtype=torch.long)
    lookup[rows] = torch.arange(len(rows))
    return lookup[gather]

"""The ``grid`` Gaunt route: exact S² quadrature with separable transforms (``symc.so3.sphere_grid``), O(L³).

The tables gather straight from e3nn's layout (no channel permutation) and the weights act there too;
its backward is two more grid products, so autograd keeps only the inputs.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.routes.base import Route, degrees
from symc.so3.sphere_grid import OperandTables, grid_product, operand_tables

GRID_ROLES = ("1", "2", "out")  # operand roles of the grid tables


class GridRoute(Route):
    name = "grid"

    def __init__(self, descriptor: TensorProductDescriptor) -> None:
        super().__init__(descriptor)
        u = self.units
        l1, l2, lo = descriptor.lmax()
        self._grid_cache: dict[tuple[torch.dtype, torch.device], tuple[OperandTables, ...]] = {}
        for role, unit in zip(GRID_ROLES, (u.unit1, u.unit2, u.unit_out), strict=True):
            layout = getattr(self, f"to_channels_{role}")
            tables = operand_tables(degrees(unit), l1 + l2 + lo, math.sqrt(4 * math.pi), layout)
            for field, value in tables.tensors().items():
                if value.is_floating_point():
                    self._register_table(f"grid{role}_{field}", value)
                else:
                    self.register_buffer(f"grid{role}_{field}", value, persistent=False)
        n = descriptor.weight_numel
        for role, offset in (("1", 0), ("out", len(u.unit1))):
            # Column of each e3nn feature's weight in the flattened weights (no slicing per call):
            # row 0 for weights with c channels, ``(.., c, n)``, row 1 with one, ``(.., 1, n)``.
            owner = getattr(self, f"irrep_of_{role}")
            position = getattr(self, f"from_channels_{role}")
            irrep = offset + owner[position % len(owner)]
            columns = torch.stack([position // len(owner) * n + irrep, irrep])
            self.register_buffer(f"grid_weight_{role}", columns, persistent=False)

    def _reset_caches(self) -> None:
        super()._reset_caches()
        self._grid_cache = {}

    def forward(self, x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        """e3nn-layout features ``x (M, D1)``, ``y (M, D2)`` with weights ``(M|1, c|1, n)`` → ``(M, Dout)``."""
        x = x * _feature_weights(w, self.grid_weight_1)
        out = grid_product(x, y, self._grid_tables(x), (0, 1, 2))
        return out * _feature_weights(w, self.grid_weight_out)

    def _grid_tables(self, like: Tensor) -> tuple[OperandTables, ...]:
        """Tables of operands 1, 2 and the output, in the dtype and device of ``like`` (cached)."""
        key = (like.dtype, like.device)
        if key not in self._grid_cache:
            self._grid_cache[key] = tuple(
                OperandTables(
                    **{
                        field: self._table(name, like) if name in self._float_tables else getattr(self, name)
                        for field in OperandTables.__dataclass_fields__
                        for name in (f"grid{role}_{field}",)
                    }
                )
                for role in GRID_ROLES
            )
        return self._grid_cache[key]


def _feature_weights(w: Tensor, columns: Tensor) -> Tensor:
    """Weights ``(M|1, c|1, n)`` per irrep → ``(M|1, D)`` per e3nn feature (``columns`` from ``__init__``)."""
    return w.reshape(w.shape[0], -1).index_select(1, columns[0 if w.shape[1] > 1 else 1])

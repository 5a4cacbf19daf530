"""The Clebsch–Gordan routes ``cg-dense`` and ``cg-blocks`` of a ``cg`` descriptor: coupling tables and forward.

Per (sample, channel), ``out[k] = Σ_paths w_path Σ_ij x[i] y[j] C_path[i, j, k]``. Two layouts of the same
coefficients (``symc.methods.tensor_product.planner.cg_cost`` picks one):

- **dense**: one ``(d1·d2, dout)`` matrix, the path weights folded in per call (one gather-multiply over
  its entries), then one GEMM of the outer product ``x ⊗ y`` (``CGDenseRoute``). O(d1·d2·dout)
  per product, ≈ 4× the work of the paths at L = 8 (most (l1, l2) pairs reach few l3), but few
  kernels: fastest at small L.
- **blocks**: one block per (irrep i1, irrep i2) pair with at least one path: the outer product
  ``x_i1 ⊗ y_i2`` times the ``(n1·n2, Σ n3)`` coupling of the l3 the pair reaches (triangle rule and
  parity), one GEMM per pair, then each path's columns times its weight are summed into its output
  irrep (``addcmul``). O(Σ_paths n1·n2·n3) per product: the work e3nn does, in one GEMM per pair rather
  than one per path. Computed feature-major (components × samples·channels), so the outer products,
  GEMMs and sums run along the long batch axis; the coefficients take no gradient, so backward is one
  GEMM per pair, and the weights' gradient an elementwise product.

Weights are ``(M|1, c|1, #paths)``: shared (internal) or per sample (external; blocks only, since the
dense layout sums several paths into one column). A second
operand with one channel (edge harmonics) broadcasts over the channels of x. Differentiable twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.paths import Path, Units, offsets, unit_dim
from symc.methods.tensor_product.routes.base import ChannelMajorRoute, outer_gemm
from symc.so3.coupling import clebsch_gordan


@dataclass(frozen=True)
class CGBlock:
    """Irrep ``i1`` of x times irrep ``i2`` of y; coefficients ``values[v0:v1]`` as ``(columns, n1·n2)``.

    ``paths`` are ``(path index, output irrep i3, n3)`` in column order.
    """

    i1: int
    i2: int
    v0: int
    v1: int
    paths: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class CGLayout:
    """The blocks of one CG product (empty for the dense layout), the irrep dims of x, y and out, and ``dout``."""

    blocks: tuple[CGBlock, ...]
    dims1: tuple[int, ...]
    dims2: tuple[int, ...]
    out_dims: tuple[int, ...]
    dout: int

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)


@dataclass(frozen=True)
class CGTables:
    """Layout and flat float64 coefficients; ``value_path[e]`` is the path of ``values[e]`` (dense layout:
    0 for structural zeros, whose value is 0; empty for blocks)."""

    layout: CGLayout
    values: Tensor
    value_path: Tensor


def _pairs(paths: list[Path]) -> dict[tuple[int, int], list[int]]:
    """Path indices grouped by their (i1, i2) pair, in path order."""
    pairs: dict[tuple[int, int], list[int]] = {}
    for index, path in enumerate(paths):
        pairs.setdefault((path.i1, path.i2), []).append(index)
    return pairs


def block_operations(units: Units, paths: list[Path]) -> tuple[int, int, int]:
    """Per (sample, channel) of the blocks layout: multiply-adds, elements kept for backward (every path's
    output, for the weights' gradient, and the operands), and the number of blocks. O(#paths)."""
    work = sum(units.unit1[p.i1].dim * units.unit2[p.i2].dim * units.unit_out[p.i3].dim for p in paths)
    kept = sum(units.unit_out[p.i3].dim for p in paths) + unit_dim(units.unit1) + unit_dim(units.unit2)
    return work, kept, len(_pairs(paths))


def _path_coupling(units: Units, paths: list[Path], path: Path) -> Tensor:
    """``C (n1, n2, n3)`` of one path scaled by ``sqrt(2l3+1)/sqrt(#paths into l3)``."""
    a, b, c = units.unit1[path.i1], units.unit2[path.i2], units.unit_out[path.i3]
    fan_in = sum(1 for p in paths if p.i3 == path.i3)
    return clebsch_gordan(a.l, b.l, c.l) * math.sqrt(c.dim / fan_in)


def cg_tables(units: Units, paths: list[Path], blocked: bool) -> CGTables:
    """Coupling tables of either layout, O(Σ_paths n1·n2·n3) (blocks) or O(d1·d2·dout) (dense) to build.

    The dense layout folds several paths into one column, so per-sample weights need ``blocked=True``.
    """
    o1, o2, oo = offsets(units.unit1), offsets(units.unit2), offsets(units.unit_out)
    d1, d2, dout = unit_dim(units.unit1), unit_dim(units.unit2), unit_dim(units.unit_out)
    dims = tuple(tuple(ir.dim for ir in unit) for unit in (units.unit1, units.unit2, units.unit_out))
    if not blocked:
        matrix = torch.zeros(d1, d2, dout, dtype=torch.float64)
        owner = torch.zeros(d1, d2, dout, dtype=torch.long)
        for index, path in enumerate(paths):
            a, b, c = units.unit1[path.i1], units.unit2[path.i2], units.unit_out[path.i3]
            rows1, rows2 = slice(o1[path.i1], o1[path.i1] + a.dim), slice(o2[path.i2], o2[path.i2] + b.dim)
            cols = slice(oo[path.i3], oo[path.i3] + c.dim)
            matrix[rows1, rows2, cols] = _path_coupling(units, paths, path)
            owner[rows1, rows2, cols] = index
        return CGTables(CGLayout((), *dims, dout), matrix.flatten(), owner.flatten())
    blocks, values, v = [], [], 0
    for (i1, i2), members in _pairs(paths).items():
        n1, n2 = units.unit1[i1].dim, units.unit2[i2].dim
        # (columns, n1·n2): each path's n3 rows of the transposed coupling, stacked in path order.
        matrix = torch.cat([_path_coupling(units, paths, paths[p]).reshape(n1 * n2, -1).T for p in members])
        described = tuple((p, paths[p].i3, units.unit_out[paths[p].i3].dim) for p in members)
        blocks.append(CGBlock(i1, i2, v, v + matrix.numel(), described))
        values.append(matrix.flatten())
        v += matrix.numel()
    return CGTables(CGLayout(tuple(blocks), *dims, dout), torch.cat(values), torch.zeros(0, dtype=torch.long))


def cg_blocks_forward(x: Tensor, y: Tensor, weight: Tensor, layout: CGLayout, values: Tensor) -> Tensor:
    """``x (M, c, d1)``, ``y (M, c|1, d2)``, ``weight (M|1, c|1, #paths)`` → ``(M, c, dout)``, blocks layout.

    ``values`` are ``CGTables.values`` in the input dtype, on its device. O(Σ_paths n1·n2·n3) per product.
    """
    rows, c, _ = x.shape
    # Feature-major irreps (n, M, c) and (n, M, c|1); split (not sliced) so backward concatenates once.
    xs = x.permute(2, 0, 1).contiguous().split(layout.dims1)
    ys = y.permute(2, 0, 1).contiguous().split(layout.dims2)
    wt = weight.permute(2, 0, 1)  # (#paths, M|1, c|1)
    sums: dict[int, Tensor] = {}  # output irrep -> Σ_paths weight · path output, (n3, M, c)
    for b in layout.blocks:
        outer = (xs[b.i1][:, None] * ys[b.i2][None]).view(-1, rows * c)
        part = values[b.v0 : b.v1].view(-1, outer.shape[0]) @ outer
        pieces = part.view(-1, rows, c).split([n3 for _, _, n3 in b.paths])
        for (p, i3, _), piece in zip(b.paths, pieces, strict=True):
            sums[i3] = piece * wt[p] if i3 not in sums else torch.addcmul(sums[i3], piece, wt[p])
    # Every output irrep has a path (``tp_paths.check_every_output_reached``).
    return torch.cat([sums[i3] for i3 in range(len(layout.out_dims))]).permute(1, 2, 0)


class CGDenseRoute(ChannelMajorRoute):
    """``cg-dense``: the path weights folded into one ``(d1·d2, dout)`` coupling per call, one GEMM."""

    name = "cg-dense"
    blocked = False

    def __init__(self, descriptor: TensorProductDescriptor) -> None:
        super().__init__(descriptor)
        tables = cg_tables(self.units, list(descriptor.paths), blocked=self.blocked)
        self.plan = tables.layout
        self._register_table("cg_values", tables.values)
        self.register_buffer("cg_value_path", tables.value_path, persistent=False)

    def unit_forward(self, x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        values = self._table("cg_values", x)
        # Fold the path weights into the one coupling matrix (O(#entries) per call), one GEMM.
        return outer_gemm(x, y, (values * w.reshape(-1)[self.cg_value_path]).view(-1, self.plan.dout))


class CGBlocksRoute(CGDenseRoute):
    """``cg-blocks``: one GEMM per (l1, l2) pair over the l3 it reaches (per-sample weights allowed)."""

    name = "cg-blocks"
    blocked = True

    def unit_forward(self, x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        return cg_blocks_forward(x, y, w, self.plan, self._table("cg_values", x))

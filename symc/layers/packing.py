"""Packing checked field tensors into per-order features and back (methods basis and frames).

The inputs were checked (and given a batch axis) by ``symc.layers.contract.FieldContract``: global
``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``. Under affine groups (E(d),
SE(d), T(d), Aff+(d)) with S(n), point channels are centred by the centroid of the first per-point ``point``
input, which makes them translation invariant vectors (T(1)); the centroid is added back to point outputs, so
``x ↦ A x + t`` commutes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.ir import FieldSpec, GroupFactor, Point
from symc.ir.dims import AFFINE_FAMILIES
from symc.layers.blocks import FeatureLayout, blocks_of, rep_terms


@dataclass(frozen=True)
class FieldPlan:
    """Where one field lives: its order, dimension, channels in its order's feature, and its point channels."""

    spec: FieldSpec
    dim: int
    offset: int
    point_slices: tuple[slice, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def order(self) -> int:
        return self.spec.order


class FeaturePacker:
    """Maps the (checked, batched) dict of named field tensors to per-order features and back."""

    def __init__(
        self,
        inputs: tuple[FieldSpec, ...],
        outputs: tuple[FieldSpec, ...],
        geometric: GroupFactor | None,
        permutation: GroupFactor | None,
    ) -> None:
        self.permutation = permutation
        self.size_name = str(permutation.args[0]) if permutation is not None else "n"
        self.fixed_n = permutation.args[0] if permutation is not None and isinstance(permutation.args[0], int) else None
        self.centred = geometric is not None and geometric.family in AFFINE_FAMILIES
        self.in_layout, self.inputs = _plan(inputs, geometric, self.centred)
        self.out_layout, self.outputs = _plan(outputs, geometric, self.centred)
        self.centroid_source = self._centroid_source()

    def _centroid_source(self) -> FieldPlan | None:
        has_points = any(p.point_slices for p in self.inputs + self.outputs)
        if not has_points:
            return None
        # basis/frames rules.judge (judge_field_layout): a point field comes with a per-point `point` input.
        return next(p for p in self.inputs if p.order == 1 and p.point_slices)

    def symbolic_shape(self, plan: FieldPlan) -> list[int | str]:
        """Shape without the batch axis, e.g. ``["n", 3]``."""
        return [self.size_name] * plan.order + [plan.dim]

    def pack(self, values: dict[str, Tensor]) -> tuple[dict[int, Tensor], Tensor | None]:
        """Batched field dict -> ``({order: (batch, n^order..., C)}, centroid (batch, d) or None)``."""
        centroid = None
        if self.centroid_source is not None:
            source = self.centroid_source
            centroid = values[source.name][..., source.point_slices[0]].mean(dim=1)
        parts: dict[int, list[Tensor]] = {}
        for plan in self.inputs:
            x = values[plan.name]
            if centroid is not None and plan.point_slices:
                x = _shift_points(x, plan, -centroid)
            parts.setdefault(plan.order, []).append(x)
        return {order: torch.cat(chunks, dim=-1) for order, chunks in parts.items()}, centroid

    def unpack(self, features: dict[int, Tensor], centroid: Tensor | None) -> dict[str, Tensor]:
        """Per-order features in ``out_layout`` -> batched field dict (centroid added back to points)."""
        out = {}
        for plan in self.outputs:
            x = features[plan.order][..., plan.offset : plan.offset + plan.dim]
            if centroid is not None and plan.point_slices:
                x = _shift_points(x, plan, centroid)
            out[plan.name] = x
        return out


def _shift_points(x: Tensor, plan: FieldPlan, shift: Tensor) -> Tensor:
    """Add ``shift (batch, d)`` to every point channel of ``x (batch, n^order..., dim)``."""
    offset = torch.zeros_like(x)
    broadcast = shift.reshape(shift.shape[0], *([1] * plan.order), shift.shape[-1])
    for channels in plan.point_slices:
        offset[..., channels] = broadcast
    return x + offset


def _plan(
    fields: tuple[FieldSpec, ...], geometric: GroupFactor | None, centred: bool
) -> tuple[FeatureLayout, tuple[FieldPlan, ...]]:
    blocks, plans = [], []
    offsets: dict[int, int] = {}
    for field in fields:
        field_blocks = blocks_of(field.rep, field.order, geometric)
        start = offsets.get(field.order, 0)
        point_slices, cursor = [], 0
        for (base, mult), block in zip(rep_terms(field.rep), field_blocks, strict=True):
            if centred and isinstance(base, Point):
                point_slices += [slice(cursor + c * block.dim, cursor + (c + 1) * block.dim) for c in range(mult)]
            cursor += block.size
        plans.append(FieldPlan(field, cursor, start, tuple(point_slices)))
        offsets[field.order] = start + cursor
        blocks += field_blocks
    return FeatureLayout(tuple(blocks)), tuple(plans)

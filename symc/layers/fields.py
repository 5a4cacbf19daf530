"""The field contract of a built model: validating input dicts, packing fields into features and back.

Field tensors: global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``; an
unbatched sample drops the leading axis. Under affine groups (E(d), SE(d), T(d), Aff+(d)) with S(n), point
channels are centred by the centroid of the first per-point ``point`` input, which makes them translation
invariant vectors (T(1)); the centroid is added back to point outputs, so ``x ↦ A x + t`` commutes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError
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


class FieldCodec:
    """Maps the dict of named field tensors to per-order features and back, checking the contract."""

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

    def validate(self, values: dict[str, Tensor], dtype: torch.dtype, device: torch.device) -> tuple[bool, int | None]:
        """Check names, shapes, n, dtype and device; return (batched, n)."""
        if not isinstance(values, dict):
            raise SymcError(f"model inputs must be a dict of named tensors, got {type(values).__name__}")
        expected = {p.name for p in self.inputs}
        missing, extra = sorted(expected - set(values)), sorted(set(values) - expected)
        if missing or extra:
            parts = [f"missing field(s) {', '.join(map(repr, missing))}"] if missing else []
            parts += [f"unexpected field(s) {', '.join(map(repr, extra))}"] if extra else []
            raise SymcError("; ".join(parts), hint=f"the model takes {', '.join(p.name for p in self.inputs)}")
        batched: bool | None = None
        n = self.fixed_n
        n_from: str | None = None if n is None else f"the group S({n})"
        for plan in self.inputs:
            x = values[plan.name]
            if not isinstance(x, Tensor):
                raise SymcError(f"field '{plan.name}' must be a torch.Tensor, got {type(x).__name__}")
            this_batched = x.dim() == plan.order + 2
            if x.dim() not in (plan.order + 1, plan.order + 2) or (batched is not None and this_batched != batched):
                raise self._shape_error(plan, x, batched)
            batched = this_batched
            sizes = tuple(x.shape[1:] if batched else x.shape)
            if sizes[-1] != plan.dim or len(set(sizes[:-1])) > 1:
                raise self._shape_error(plan, x, batched)
            if plan.order:
                if n is not None and sizes[0] != n:
                    raise SymcError(
                        f"field '{plan.name}' has {sizes[0]} points but {n_from} has {n}",
                        location=plan.spec.loc,
                        text=f"expected {self._shape_text(plan, batched)}, got {tuple(x.shape)}",
                    )
                n, n_from = sizes[0], n_from or f"field '{plan.name}'"
            if x.dtype != dtype or x.device != device:
                raise SymcError(
                    f"field '{plan.name}' is {x.dtype} on {x.device}, but the model is {dtype} on {device}",
                    hint="convert the inputs, or move the model with model.to(dtype=..., device=...)",
                )
        return bool(batched), n

    def _shape_text(self, plan: FieldPlan, batched: bool | None) -> str:
        shape = ", ".join(str(s) for s in self.symbolic_shape(plan))
        return f"(batch, {shape})" if batched is not False else f"({shape})"

    def _shape_error(self, plan: FieldPlan, x: Tensor, batched: bool | None) -> SymcError:
        return SymcError(
            f"field '{plan.name}' should have shape {self._shape_text(plan, batched)}, got {tuple(x.shape)}",
            location=plan.spec.loc,
            hint="global fields are (batch, dim), per point (batch, n, dim), per pair (batch, n, n, dim); "
            "the batch axis may be left out for a single sample",
        )

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

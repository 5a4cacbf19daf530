"""``method frames``: frame averaging around an unconstrained backbone (Puny et al., ICLR 2022).

``f(x) = 1/|F(x)| Σ_{g ∈ F(x)} g · Φ(g⁻¹ · x)``. Every field moves by ``act_on_field``, so any rep the
group has (vectors, points, tensors ``T(k,l)``, irreps) is canonicalised and mapped back the same way.
All frame elements of all samples go through the backbone in ONE batched call: the batch axis of the
backbone is the flattened list of (sample, frame element) pairs. With an S(n) factor and a backbone that is
not permutation-equivariant (``mlp``, user modules), sorting frames are composed with the geometric frame.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.groups import act_on_field, group
from symc.groups.matrix_group import MatrixGroup
from symc.ir import CallValue, FieldSpec, GroupFactor, Irrep, ModelSpec, Point, TensorRep
from symc.ir.families import FAMILIES
from symc.layers.contract import FieldContract
from symc.layers.model import SymcModule
from symc.layers.packing import FeaturePacker
from symc.layers.summary import LayerSummary, ModelSummary
from symc.methods.frames.backbones import (
    DEFAULT_DEPTH,
    DEFAULT_WIDTH,
    FlatMLP,
    MessagePassing,
    Neighbours,
    PointNet,
)
from symc.methods.frames.rules import POSITION_REPS
from symc.solvers.frames import ROUTES, Frames, affine_frames, check_points, euclidean_frames
from symc.solvers.sort_frames import sorting_frames

SUMMARY_N = 10  # set size at which summary() estimates FLOPs
SCALAR_REPS = (Irrep(0, 1), TensorRep(0))  # invariant scalars; the gnn sees their pair products on its edges
LINEAR_REPS = (TensorRep(1), Irrep(1, -1))  # vectors moved by the linear part L itself (D¹(R) = R for 1o)
FAMILY_FRAMES = {name: f.frame_kind for name, f in FAMILIES.items() if f.frame_kind}  # family -> frame kind
RIGID_KINDS = ("rotation", "orthogonal", "translation")  # frames that keep distances between points


@dataclasses.dataclass(frozen=True)
class FramePlan:
    """What the wrapper needs from the spec: the geometric group, how to build frames, the position field."""

    factor: GroupFactor | None
    position: str | None
    minimum_points: int
    sort_points: bool

    @property
    def kind(self) -> str | None:
        return FAMILY_FRAMES[self.factor.family] if self.factor is not None else None

    def frames(self, positions: Tensor) -> Frames:
        """Frames of ``positions (batch, n, d)``; the translation-only group gives one element per sample."""
        family = self.factor.family
        if family == "T":
            batch, _, d = positions.shape
            eye = torch.eye(d, dtype=positions.dtype, device=positions.device).expand(batch, d, d)
            ones = torch.ones(batch, dtype=torch.bool, device=positions.device)
            owner = torch.arange(batch, device=positions.device)
            return Frames(eye.clone(), positions.detach().mean(1), owner, positions.new_ones(batch), ones, 0 * owner)
        if self.kind == "affine":
            return affine_frames(positions, translate=family == "Aff+", unimodular=family == "SL")
        return euclidean_frames(positions, rotations_only=self.kind == "rotation", translate=family in ("SE", "E"))


class FrameAveragedModel(SymcModule):
    """A compiled ``method frames`` spec: ``forward({name: tensor}) -> {name: tensor}`` (field shapes of the
    contract; an unbatched sample gives unbatched outputs).

    After each call ``last_frames`` holds per sample the route (``pca``/``anchored``/``approximate``), the
    frame size and whether the average is exactly equivariant (see ``frame_report``). Cost: |F| backbone
    evaluations batched together, plus O(batch · (n d² + d³)) for the frames.
    """

    def __init__(self, spec: ModelSpec, plan: FramePlan, packer: FeaturePacker, backbone: nn.Module, builtin: bool):
        super().__init__()
        self.spec, self.plan, self.packer = spec, plan, packer
        self.contract = FieldContract(spec, min_points=max(1, plan.minimum_points))
        self.backbone, self.builtin = backbone, builtin
        self.geometric: MatrixGroup | None = group(plan.factor.name) if plan.factor is not None else None
        self.last_frames: Frames | None = None

    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        read = self.read_inputs(inputs)
        return read.restore(self._average(read.values))

    def _average(self, values: dict[str, Tensor]) -> dict[str, Tensor]:
        batch = next(iter(values.values())).shape[0]
        g, g_inv, owner, weight = self._elements(values, batch)
        canonical = {f.name: self._act(f, g_inv, values[f.name].index_select(0, owner)) for f in self.spec.inputs}
        order = None
        if self.plan.sort_points:
            canonical, order, owner_p, weight_p = self._sort(canonical)
            g, owner, weight = _select(g, owner_p), owner[owner_p], weight[owner_p] * weight_p
        raw = self._run_backbone(canonical, self._shared_graph(values, owner) if order is None else None)
        result = {}
        for f in self.spec.outputs:
            y = raw[f.name]
            if order is not None and f.order == 1:
                y = torch.empty_like(y).scatter_(1, order.unsqueeze(-1).expand_as(y), y)
            y = self._act(f, g, y) * weight.view(-1, *([1] * (y.dim() - 1))).to(y.dtype)
            result[f.name] = y.new_zeros(batch, *y.shape[1:]).index_add_(0, owner, y)
        return result

    def _elements(self, values: dict[str, Tensor], batch: int) -> tuple[Tensor | None, Tensor | None, Tensor, Tensor]:
        """Group elements ``g``, ``g⁻¹`` as ``(total, s, s)`` matrices, the owning sample and the weights."""
        if self.plan.factor is None:
            self.last_frames = None
            owner = torch.arange(batch, device=self.device)
            return None, None, owner, torch.ones(batch, dtype=self.dtype, device=self.device)
        positions = values[self.plan.position]
        check_points(positions, None, self.plan.minimum_points, f"field '{self.plan.position}'")
        frames = self.plan.frames(positions)
        self.last_frames = frames
        inv_linear, inv_origin = frames.inverse_affine()
        g = _homogeneous(frames.linear, frames.origin, self.geometric)
        g_inv = _homogeneous(inv_linear, inv_origin, self.geometric)
        return g, g_inv, frames.owner, frames.weight

    def _act(self, field: FieldSpec, g: Tensor | None, x: Tensor) -> Tensor:
        """``g · x`` for one element per row of ``x (total, [n,] dim)``. Scalars, vectors and points (the
        common fields) take one batched matmul ``x Lᵀ (+ t)``; every other rep goes through ``act_on_field``."""
        if g is None or field.rep in SCALAR_REPS:
            return x
        vector = field.rep in LINEAR_REPS or (field.rep == Point() and self.geometric.affine)
        if vector and x.shape[-1] == self.geometric.linear_size:
            linear = self.geometric.linear_part(g).transpose(1, 2)
            rows = x if field.order == 1 else x.unsqueeze(1)
            if field.rep == Point():
                moved = torch.baddbmm(self.geometric.translation_part(g).unsqueeze(1), rows, linear)
            else:
                moved = torch.bmm(rows, linear)
            return moved if field.order == 1 else moved.squeeze(1)
        return act_on_field(self.geometric, field, g, x)

    def _sort(self, canonical: dict[str, Tensor]) -> tuple[dict[str, Tensor], Tensor, Tensor, Tensor]:
        per_point = [canonical[f.name] for f in self.spec.inputs if f.order == 1]
        frames = sorting_frames(torch.cat(per_point, dim=-1))
        out = {}
        for f in self.spec.inputs:
            x = canonical[f.name][frames.owner]
            if f.order == 1:
                x = x.gather(1, frames.order.unsqueeze(-1).expand_as(x))
            out[f.name] = x
        return out, frames.order, frames.owner, frames.weight

    def _shared_graph(self, values: dict[str, Tensor], owner: Tensor) -> Neighbours | None:
        """The gnn's neighbourhoods of the raw input, computed once per sample and repeated for its frame
        elements (``owner (total,)``): rigid frames keep every distance, so each canonical copy has the same
        graph. None for other backbones and for affine frames (whitening changes distances)."""
        if not isinstance(self.backbone, MessagePassing) or self.plan.kind not in RIGID_KINDS:
            return None
        graph = self.backbone.neighbours(values[self.plan.position])
        valid = None if graph.valid is None else graph.valid.index_select(0, owner)
        return Neighbours(graph.index.index_select(0, owner), valid)

    def _run_backbone(self, canonical: dict[str, Tensor], graph: Neighbours | None) -> dict[str, Tensor]:
        if not self.builtin:
            raw = self.backbone(canonical)
            if not isinstance(raw, dict) or any(f.name not in raw for f in self.spec.outputs):
                raise SymcError(
                    "the backbone must return a dict with every output field",
                    location=self.spec.method.loc,
                    hint=f"return {{{', '.join(repr(f.name) for f in self.spec.outputs)}: tensor}}",
                )
            return raw
        total = next(iter(canonical.values())).shape[0]
        points = [canonical[f.name] for f in self.spec.inputs if f.order == 1]
        globals_ = [canonical[f.name] for f in self.spec.inputs if f.order == 0]
        n = points[0].shape[1] if points else 0
        point_x = torch.cat(points, -1) if points else canonical_zeros(canonical, total, n)
        global_x = torch.cat(globals_, -1) if globals_ else canonical_zeros(canonical, total)
        positions = canonical.get(self.plan.position) if self.plan.position else None
        if graph is None:
            per_point, global_y = self.backbone(point_x, global_x, positions)
        else:
            per_point, global_y = self.backbone(point_x, global_x, positions, graph)
        return _split_outputs(self.spec, self.packer, per_point, global_y)

    def summary(self, n: int | None = None) -> ModelSummary:
        """Parameters and estimated FLOPs per sample at set size ``n`` (default 10), one row per backbone part."""
        return module_summary(self, self.backbone, n, generic_frame_size(self.plan.factor))

    def frame_report(self) -> dict[str, list]:
        """Per sample of the last call: ``route``, ``frame_size``, ``exact`` (False: measured error only)."""
        frames = self.last_frames
        if frames is None:
            return {"route": [], "frame_size": [], "exact": []}
        return {
            "route": [ROUTES[i] for i in frames.route.tolist()],
            "frame_size": frames.counts().tolist(),
            "exact": frames.exact.tolist(),
        }


def generic_frame_size(factor: GroupFactor | None) -> int:
    """|F| of a generic input: 2^d (O, E), 2^(d-1) (SO, SE, GL+, SL, Aff+), 1 (T, no geometric factor)."""
    if factor is None or factor.family == "T":
        return 1
    d = int(factor.args[0])
    return 2**d if factor.family in ("O", "E") else 2 ** (d - 1)


def module_summary(model: nn.Module, network: nn.Module, n: int | None, frame_size: int) -> ModelSummary:
    """A ``ModelSummary`` without bases: per child of ``network``, parameters and ~2 · params · n · |F| FLOPs."""
    at = n if n is not None else SUMMARY_N
    layers = []
    for name, child in network.named_children():
        params = sum(p.numel() for p in child.parameters())
        layers.append(LayerSummary(name, type(child).__name__, "", (), params, 2 * params * at * frame_size))
    return ModelSummary(model.spec.name, str(model.spec.group), at, tuple(layers))


def canonical_zeros(canonical: dict[str, Tensor], total: int, n: int | None = None) -> Tensor:
    """An empty feature block ``(total, 0)`` or ``(total, n, 0)`` in the inputs' dtype and device."""
    ref = next(iter(canonical.values()))
    shape = (total, 0) if n is None else (total, n, 0)
    return ref.new_zeros(shape)


def _select(g: Tensor | None, index: Tensor) -> Tensor | None:
    return None if g is None else g[index]


def _homogeneous(linear: Tensor, origin: Tensor, geometric: MatrixGroup) -> Tensor:
    """``(total, s, s)`` group matrices: ``L`` for linear groups, ``[[L, o], [0, 1]]`` for affine ones."""
    if geometric.matrix_size == linear.shape[-1]:
        return linear
    total, d, _ = linear.shape
    g = torch.zeros(total, d + 1, d + 1, dtype=linear.dtype, device=linear.device)
    g[:, :d, :d], g[:, :d, d], g[:, d, d] = linear, origin, 1.0
    return g


def _split_outputs(spec: ModelSpec, packer: FeaturePacker, per_point: Tensor, global_y: Tensor) -> dict[str, Tensor]:
    out, p, q = {}, 0, 0
    for plan in packer.outputs:
        if plan.order == 1:
            out[plan.name] = per_point[..., p : p + plan.dim]
            p += plan.dim
        else:
            out[plan.name] = global_y[..., q : q + plan.dim]
            q += plan.dim
    return out


def geometric_factor(spec: ModelSpec) -> GroupFactor | None:
    """The one geometric factor, or None (the record's ``Accepts``: at most one, global and per-point fields,
    localities complete/global/knn/radius)."""
    geometric = spec.group.geometric_factors
    return geometric[0] if geometric else None


def position_field(spec: ModelSpec, factor: GroupFactor | None) -> str | None:
    """The per-point input that frames are computed from: the first `point` (or, for linear groups, vector);
    ``rules.judge`` made sure there is one."""
    if factor is None:
        return None
    return next(f.name for f in spec.inputs if f.order == 1 and f.rep in POSITION_REPS)


def minimum_points(factor: GroupFactor | None) -> int:
    """Points a frame needs: d+1 for Aff+(d), d for E/SE(d), GL+/SL(d), one for O/SO(d) and T(d)."""
    if factor is None:
        return 0
    d = int(factor.args[0])
    return {"Aff+": d + 1, "E": d, "SE": d, "GL+": d, "SL": d}.get(factor.family, 1)


def builtin_backbone(spec: ModelSpec, packer: FeaturePacker, name: str, call: object) -> nn.Module:
    kwargs = call.kwargs if isinstance(call, CallValue) else ()
    width = int(dict(kwargs).get("hidden", DEFAULT_WIDTH))
    depth = int(dict(kwargs).get("layers", DEFAULT_DEPTH))
    point_in = sum(p.dim for p in packer.inputs if p.order == 1)
    global_in = sum(p.dim for p in packer.inputs if p.order == 0)
    point_out = sum(p.dim for p in packer.outputs if p.order == 1)
    global_out = sum(p.dim for p in packer.outputs if p.order == 0)
    if name == "pointnet":
        return PointNet(point_in, global_in, point_out, global_out, width, depth)
    if name == "gnn":
        loc = spec.locality
        k, r = loc.get("k"), loc.get("r")
        pairs = _scalar_channels(spec, packer)
        return MessagePassing(point_in, global_in, point_out, global_out, width, depth, loc.kind, k, r, pairs)
    n = 0 if not point_in + point_out else packer.fixed_n  # rules.judge: a fixed size when points are flattened
    return FlatMLP(n, point_in, global_in, point_out, global_out, width, depth)


def _scalar_channels(spec: ModelSpec, packer: FeaturePacker) -> tuple[int, ...]:
    """Channels of the concatenated per-point input (``_run_backbone``'s order) that hold invariant scalars."""
    dims = {p.name: p.dim for p in packer.inputs}
    channels, offset = [], 0
    for f in spec.inputs:
        if f.order == 1:
            if f.rep in SCALAR_REPS:
                channels.extend(range(offset, offset + dims[f.name]))
            offset += dims[f.name]
    return tuple(channels)


__all__ = ["FrameAveragedModel", "FramePlan"]

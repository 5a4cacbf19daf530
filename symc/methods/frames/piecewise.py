"""``group piecewise E(d)`` / ``piecewise SE(d)`` with ``method frames``: every part moves by its own rigid motion.

Each part k of the point set gets its own frame F_k (centroid + PCA of its points, degenerate rule of
``symc.solvers.frames``). For every frame element, all fields are put in that part's canonical pose; an
encoder pools the part's own canonical points into a part embedding E_k (averaged over F_k), which is
invariant to every part's motion. A decoder then predicts each point's outputs in its part's canonical
pose from its features, E_k and the context (the mean embedding of all parts), and maps them back by the
part's frame. Moving part j by h_j changes only F_j → h_j F_j, so the model is exactly equivariant to
independent motions of the parts, and global outputs (scalars) are invariant.

The partition comes from ``labels = <input>``: one channel of integer ids in [0, parts), or k channels of
part scores (hard label = argmax). With ``parts = k`` and no labels, a globally frame-averaged PointNet
predicts a soft partition (k logits per point); the hard argmax is used, the result is exact for global
motions only, and ``last_uncertainty`` (mean 1 − max probability) is reported with the measured error
instead of a claim of exactness. ``partition_probabilities`` exposes the soft partition with its gradient,
so the partitioner can be trained (e.g. cross-entropy against known part labels). A part too small or
too symmetric for its own exact frame uses the whole cloud's frame (exact for global motions, flagged
inexact for independent ones).
Cost: O(parts · |F| · batch · n · h²): every part's frame elements see the whole (masked) cloud.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.groups import act_on_field, group
from symc.ir import CallValue, FieldSpec, Irrep, ModelSpec, MultipleRep, Point, TensorRep
from symc.layers.contract import UNBATCHED, FieldContract, FieldValues
from symc.layers.model import SymcModule
from symc.layers.packing import FeaturePacker
from symc.layers.summary import ModelSummary
from symc.methods.frames.backbones import DEFAULT_DEPTH, DEFAULT_WIDTH, PointNet, mlp
from symc.methods.frames.model import generic_frame_size, module_summary
from symc.solvers.frames import Frames, check_points, euclidean_frames


class PiecewiseFrameModel(SymcModule):
    """Piecewise E(d)/SE(d) frame averaging (module docstring). ``forward({name: tensor}) -> {name: tensor}``.

    After a call: ``last_exact (batch, parts)`` is True where a part's frame is exact for independent
    motions; ``last_uncertainty (batch,)`` is the predicted partition's uncertainty (zeros with labels).
    """

    def __init__(self, spec: ModelSpec, packer: FeaturePacker, width: int, depth: int):
        super().__init__()
        self.spec, self.packer = spec, packer
        self.contract = FieldContract(spec)
        self.factor = spec.group.geometric_factors[0]
        self.geometric = group(self.factor.name)
        self.rotations_only = self.factor.family == "SE"
        self.position = next(f.name for f in spec.inputs if f.order == 1 and f.rep == Point())
        labels = spec.method.get("labels")
        self.labels = str(labels) if labels is not None else None
        self.features = [f for f in spec.inputs if f.name != self.labels]
        self.parts = _part_count(spec, self.labels)
        point_in = sum(p.dim for p in packer.inputs if p.order == 1 and p.name != self.labels)
        global_in = sum(p.dim for p in packer.inputs if p.order == 0)
        point_out = sum(p.dim for p in packer.outputs if p.order == 1)
        global_out = sum(p.dim for p in packer.outputs if p.order == 0)
        self.encode_points = mlp([point_in + global_in] + [width] * depth)
        self.encode_part = mlp([2 * width, width, width])
        self.decode = mlp([3 * width, width, point_out])
        self.global_head = mlp([width, width, global_out])
        self.partitioner = None if self.labels else PointNet(point_in, global_in, self.parts, 0, width, depth)
        self.last_exact: Tensor | None = None
        self.last_uncertainty: Tensor | None = None

    def summary(self, n: int | None = None) -> ModelSummary:
        """Parameters and estimated FLOPs per sample at set size ``n`` (default 10), one row per sub-network."""
        return module_summary(self, self, n, self.parts * generic_frame_size(self.factor))

    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        read = self._checked(inputs)
        values = read.values
        labels = self._labels(values) if self.labels else self._predicted_labels(values)
        return read.restore(self._average(values, labels))

    def _checked(self, inputs: dict[str, Tensor]) -> FieldValues:
        """Inputs read through the field contract; refuses too few points."""
        read = self.read_inputs(inputs)
        values = read.values
        check_points(values[self.position], None, 1, f"field '{self.position}'")
        return read

    def _labels(self, values: dict[str, Tensor]) -> Tensor:
        raw = values[self.labels]
        self.last_uncertainty = raw.new_zeros(raw.shape[0])
        if raw.shape[-1] > 1:
            return raw.argmax(-1)
        ids = raw[..., 0]
        if not torch.equal(ids, ids.round()) or bool((ids < 0).any()) or bool((ids >= self.parts).any()):
            bad = ids[(ids != ids.round()) | (ids < 0) | (ids >= self.parts)][0].item()
            raise SymcError(
                f"part label {bad:g} in '{self.labels}' is not an integer in [0, {self.parts})",
                location=self.spec.method.loc,
                hint="labels are part ids 0, 1, …; set `parts = k` for more parts, or give k score channels",
            )
        return ids.long()

    def partition_probabilities(self, inputs: dict[str, Tensor]) -> Tensor:
        """The predicted soft partition: ``(batch, n, parts)`` probabilities (``(n, parts)`` unbatched).

        The partitioner's softmax averaged over the whole cloud's frame, so it is invariant to global motions.
        It is differentiable in the partitioner's parameters (the frame is not), which makes it the training
        hook: ``nll_loss(probs.log(), part_labels)`` fits it to known parts. Models with ``labels`` refuse.
        """
        if self.partitioner is None:
            raise SymcError(
                f"this model reads its partition from '{self.labels}'; only `parts = k` models predict one",
                location=self.spec.method.loc,
            )
        read = self._checked(inputs)
        values, batched = read.values, read.form != UNBATCHED
        probs = self._partition(values)
        return probs if batched else probs.squeeze(0)

    def _partition(self, values: dict[str, Tensor]) -> Tensor:
        """Soft partition ``(batch, n, parts)`` from a PointNet averaged over the whole cloud's frame."""
        frames = euclidean_frames(values[self.position], rotations_only=self.rotations_only, translate=True)
        g_inv = _homogeneous(*frames.inverse_affine())
        points, globals_ = self._canonical(values, g_inv, frames.owner)
        logits, _ = self.partitioner(points, globals_, None)
        probs = torch.zeros((*values[self.position].shape[:2], self.parts), dtype=logits.dtype, device=logits.device)
        return probs.index_add_(0, frames.owner, logits.softmax(-1) * frames.weight[:, None, None])

    def _predicted_labels(self, values: dict[str, Tensor]) -> Tensor:
        """Hard argmax of the predicted partition ``(batch, n)``; sets ``last_uncertainty``."""
        with torch.no_grad():
            probs = self._partition(values)
        self.last_uncertainty = (1 - probs.amax(-1)).mean(-1)
        return probs.argmax(-1)

    def _canonical(self, values: dict[str, Tensor], g_inv: Tensor, owner: Tensor) -> tuple[Tensor, Tensor]:
        """Per-point and global canonical features of every element: ``(E, n, Cp)``, ``(E, Cg)``."""
        moved = {f.name: act_on_field(self.geometric, f, g_inv, values[f.name][owner]) for f in self.features}
        points = torch.cat([moved[f.name] for f in self.features if f.order == 1], -1)
        globals_ = [moved[f.name] for f in self.features if f.order == 0]
        globals_x = torch.cat(globals_, -1) if globals_ else points.new_zeros(points.shape[0], 0)
        return points, globals_x

    def _average(self, values: dict[str, Tensor], labels: Tensor) -> dict[str, Tensor]:
        positions = values[self.position]
        batch, n, _ = positions.shape
        sample, part, frames = self._part_frames(positions, labels)
        g = _homogeneous(frames.linear, frames.origin)
        g_inv = _homogeneous(*frames.inverse_affine())
        points, globals_ = self._canonical(values, g_inv, sample)
        features = torch.cat([points, globals_.unsqueeze(1).expand(-1, n, -1)], -1)
        mask = (labels[sample] == part[:, None]).unsqueeze(-1).to(features.dtype)  # (E, n, 1)
        h = self.encode_points(features)
        count = mask.sum(1).clamp_min(1)
        pooled = torch.cat([(h * mask).sum(1) / count, (h * mask - 1e9 * (1 - mask)).amax(1) * mask.amax(1)], -1)
        cell = sample * self.parts + part  # (sample, part) pairs
        embed = h.new_zeros(batch * self.parts, h.shape[-1])
        embed.index_add_(0, cell, self.encode_part(pooled) * frames.weight[:, None])
        present = torch.zeros(batch * self.parts, dtype=h.dtype, device=h.device).index_fill_(0, cell, 1.0)
        context = (embed * present[:, None]).view(batch, self.parts, -1).sum(1)
        context = context / present.view(batch, self.parts).sum(1, keepdim=True)
        own = embed[cell].unsqueeze(1).expand(-1, n, -1)
        local = self.decode(torch.cat([h, own, context[sample].unsqueeze(1).expand(-1, n, -1)], -1))
        outputs, offset = {}, 0
        for plan in self.packer.outputs:
            if plan.order == 1:
                y = act_on_field(self.geometric, plan.spec, g, local[..., offset : offset + plan.dim])
                y = y * mask * frames.weight[:, None, None]
                outputs[plan.name] = y.new_zeros(batch, n, plan.dim).index_add_(0, sample, y)
                offset += plan.dim
        global_y = self.global_head(context)
        offset = 0
        for plan in self.packer.outputs:
            if plan.order == 0:
                outputs[plan.name] = global_y[:, offset : offset + plan.dim]
                offset += plan.dim
        return outputs

    def _part_frames(self, positions: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Frames]:
        """Frame elements of every non-empty (sample, part): ``(sample (E,), part (E,), frames)``.

        A part whose own frame is inexact (too few points, collinear, symmetric beyond the anchored rule)
        takes the whole cloud's frame, which keeps global motions exact.
        """
        whole = euclidean_frames(positions, rotations_only=self.rotations_only, translate=True)
        linear, origin, samples, parts = [], [], [], []
        exact = torch.zeros(positions.shape[0], self.parts, dtype=torch.bool, device=positions.device)
        for k in range(self.parts):
            mask = labels == k
            present = mask.any(1)
            own = euclidean_frames(positions, rotations_only=self.rotations_only, translate=True, mask=mask)
            exact[:, k] = own.exact & present
            keep = exact[:, k][own.owner]
            borrow = (present & ~own.exact)[whole.owner]
            for frames, chosen in ((own, keep), (whole, borrow)):
                linear.append(frames.linear[chosen])
                origin.append(frames.origin[chosen])
                samples.append(frames.owner[chosen])
                parts.append(torch.full_like(frames.owner[chosen], k))
        self.last_exact = exact
        sample, part = torch.cat(samples), torch.cat(parts)
        cell = sample * self.parts + part
        counts = torch.bincount(cell, minlength=positions.shape[0] * self.parts).to(positions.dtype)
        frames = Frames(torch.cat(linear), torch.cat(origin), sample, 1.0 / counts[cell], exact.all(1), 0 * sample)
        return sample, part, frames


def _homogeneous(linear: Tensor, origin: Tensor) -> Tensor:
    total, d, _ = linear.shape
    g = torch.zeros(total, d + 1, d + 1, dtype=linear.dtype, device=linear.device)
    g[:, :d, :d], g[:, :d, d], g[:, d, d] = linear, origin, 1.0
    return g


def _part_count(spec: ModelSpec, labels: str | None) -> int:
    """Parts of the partition: the labels' score channels, else ``parts`` (``rules.judge`` made them agree)."""
    parts = spec.method.get("parts")
    if labels is not None:
        width = _scalar_width(spec.field(labels))
        if width is not None and width > 1:
            return width
    return int(parts)


def _scalar_width(field: FieldSpec) -> int | None:
    rep = field.rep
    mult = 1
    if isinstance(rep, MultipleRep):
        mult, rep = rep.mult, rep.base
    return mult if rep in (TensorRep(0), Irrep(0, 1)) else None


def build_piecewise_model(spec: ModelSpec, packer: FeaturePacker, backbone: nn.Module | None) -> PiecewiseFrameModel:
    """Compile ``group piecewise E(d)/SE(d)`` with ``method frames`` (see the module docstring)."""
    if backbone is not None:
        raise SymcError(
            "piecewise frames use a part encoder/decoder; a user backbone is not supported here",
            location=spec.method.loc,
            hint="drop the backbone argument, or use a non-piecewise group",
        )
    # rules.judge: E(d)/SE(d), a per-point `point`, invariant global fields, a partition.
    call = spec.method.get("backbone", "mlp")
    kwargs = dict(call.kwargs) if isinstance(call, CallValue) else {}
    width, depth = int(kwargs.get("hidden", DEFAULT_WIDTH)), int(kwargs.get("layers", DEFAULT_DEPTH))
    return PiecewiseFrameModel(spec, packer, width, depth)


__all__ = ["PiecewiseFrameModel", "build_piecewise_model"]

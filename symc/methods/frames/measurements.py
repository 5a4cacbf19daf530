"""Measured equivariance of a frame-averaged model on symmetric (degenerate) point clouds.

PCA frames are exact only for a simple covariance spectrum. ``degenerate_errors`` feeds the model the
classic degenerate inputs — a regular tetrahedron, a square, collinear points, a single point — moves them
by random group elements and reports, per input, the route the frames took, whether symc claims exactness,
and the measured worst relative error. ``symc check`` prints this table for ``method frames`` models.
Cost: ``2 · trials`` forward passes per input.

Piecewise groups: ``independent_motion_errors`` moves every true part by its own rigid motion and returns
the measured error with the partition uncertainty the model reported. For a predicted partition
``partition_errors`` measures it on synthetic articulated arms (``part_clouds``) with several gaps between
parts, next to the label accuracy (``partition_accuracy``); ``symc check`` prints that table.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from symc.errors import SymcError
from symc.groups import act_on_field
from symc.methods.frames.model import FrameAveragedModel
from symc.testing import random_inputs

SHAPES_3D = {
    "tetrahedron": [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]],
    "square": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]],
    "collinear": [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [-1.0, -2.0, -3.0], [0.5, 1.0, 1.5]],
    "single point": [[0.3, -0.2, 0.9]],
}


@dataclass(frozen=True)
class DegenerateResult:
    """One symmetric input: the frame route, the frame size, whether it is exact, the measured error."""

    shape: str
    route: str
    frame_size: int
    exact: bool
    max_error: float | None  # None when the model refuses the input (too few points for its group)
    refused: str | None = None


def degenerate_errors(model: FrameAveragedModel, trials: int = 4, seed: int = 0) -> list[DegenerateResult]:
    """Measured relative equivariance error on the symmetric inputs (3D position fields only)."""
    spec, plan = model.spec, model.plan
    if plan.position is None or model.geometric is None or int(plan.factor.args[0]) != 3:
        return []
    generator = torch.Generator().manual_seed(seed)
    results = []
    for shape, coords in SHAPES_3D.items():
        pos = torch.tensor(coords, dtype=model.dtype).unsqueeze(0).to(model.device)
        inputs = _inputs_around(model, pos, generator)
        try:
            outputs = model(inputs)
        except SymcError as refused:
            results.append(DegenerateResult(shape, "-", 0, False, None, refused.message))
            continue
        report = model.frame_report()
        worst = 0.0
        for _ in range(trials):
            g = model.geometric.sample(1, generator=generator).to(model.dtype).to(model.device)
            moved = model({f.name: act_on_field(model.geometric, f, g, inputs[f.name]) for f in spec.inputs})
            for f in spec.outputs:
                expected = act_on_field(model.geometric, f, g, outputs[f.name])
                scale = max(expected.norm().item(), outputs[f.name].norm().item(), 1e-300)
                worst = max(worst, (moved[f.name] - expected).norm().item() / scale)
        results.append(DegenerateResult(shape, report["route"][0], report["frame_size"][0], report["exact"][0], worst))
    return results


def _inputs_around(model: FrameAveragedModel, pos: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The symmetric positions plus random other features (they break the symmetry the frame cannot see)."""
    inputs = {}
    n = pos.shape[1]
    for plan in model.packer.inputs:
        if plan.name == model.plan.position:
            inputs[plan.name] = pos
        else:
            shape = (1, n, plan.dim) if plan.order == 1 else (1, plan.dim)
            inputs[plan.name] = torch.randn(shape, generator=generator, dtype=model.dtype).to(model.device)
    return inputs


def degenerate_table(results: list[DegenerateResult]) -> str:
    """Plain-text table of ``degenerate_errors`` for ``symc check``."""
    head = f"{'degenerate input':<16} {'route':<12} {'|F|':>4} {'exact':>6} {'max rel. error':>15}"
    rows = [head]
    for r in results:
        error = "refused" if r.max_error is None else f"{r.max_error:.3e}"
        rows.append(f"{r.shape:<16} {r.route:<12} {r.frame_size:>4} {r.exact!s:>6} {error:>15}")
    return "\n".join(rows)


PARTITION_GAPS = (0.0, 0.5, 2.0, 8.0)


def part_clouds(
    batch: int,
    parts: int,
    points: int,
    gap: float | torch.Tensor,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Synthetic articulated arms: ``positions (batch, parts · points, 3)`` and true ``labels (parts · points,)``.

    Part k is a box segment of length ``3 · 0.75^k`` and half-widths ``(0.5, 0.3) · 0.75^k`` (every part a
    different size, so a partitioner can tell them apart), filled with ``points`` uniform samples, placed at a
    random orientation. Segment k + 1 starts ``gap (batch,) or scalar`` beyond the end of segment k, bent by
    less than 90° from it; the arm is centred at the origin. Labels are contiguous blocks 0, …, 0, 1, ….
    """
    gap = torch.as_tensor(gap, dtype=dtype).expand(batch)[:, None]
    joint = torch.zeros(batch, 3, dtype=dtype)
    direction = None
    clouds = []
    for k in range(parts):
        scale = 0.75**k
        half = torch.tensor([1.5 * scale, 0.5 * scale, 0.3 * scale], dtype=dtype)
        local = (2 * torch.rand(batch, points, 3, generator=generator, dtype=dtype) - 1) * half
        local[..., 0] += half[0]  # the segment runs from its joint along its first axis
        rotation = _random_rotations(batch, generator, dtype)
        if direction is not None:  # bend by less than 90°: flip the first two axes (det stays +1)
            flip = torch.where((rotation[:, :, 0] * direction).sum(-1) < 0, -1.0, 1.0).to(dtype)
            rotation[:, :, :2] *= flip[:, None, None]
        direction = rotation[:, :, 0]
        clouds.append(joint[:, None] + local @ rotation.transpose(1, 2))
        joint = joint + (2 * half[0] + gap) * direction
    positions = torch.cat(clouds, 1)
    labels = torch.arange(parts).repeat_interleave(points)
    return positions - positions.mean(1, keepdim=True), labels


def _random_rotations(batch: int, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """``(batch, 3, 3)`` Haar-random rotations (QR of a Gaussian matrix, signs fixed, det +1)."""
    q, r = torch.linalg.qr(torch.randn(batch, 3, 3, generator=generator, dtype=dtype))
    q = q * torch.diagonal(r, dim1=1, dim2=2).sign()[:, None, :]
    q[:, :, 2] *= torch.linalg.det(q)[:, None]
    return q


def independent_motion_errors(
    model: torch.nn.Module, inputs: dict[str, torch.Tensor], parts: torch.Tensor, trials: int = 4, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Piecewise models: move each true part by its own random rigid motion and measure the error.

    ``parts (n,)`` or ``(batch, n)`` are the true part ids; the motions are those of ``moved_copies``.
    Returns ``(uncertainty (batch,), worst relative error (batch,))`` over ``trials`` sets of motions. The
    uncertainty is the largest the model reported over the input and its moved copies (zero with given
    labels): the error compares both, so a predicted partition is judged by numbers, not by a claim. Only
    per-point fields move; globals stay put. Cost: ``1 + trials`` forward passes.
    """
    with torch.no_grad():
        outputs = model(inputs)
        uncertainty = model.last_uncertainty.clone()
        worst = torch.zeros(uncertainty.shape[0], dtype=torch.float64)
        for motions, moved_inputs in moved_copies(model, inputs, parts, trials, seed):
            moved = model(moved_inputs)
            uncertainty = torch.maximum(uncertainty, model.last_uncertainty)
            for f in model.spec.outputs:
                if f.order != 1:
                    continue
                expected = move_parts(model.geometric, f, motions, outputs[f.name])
                error = (moved[f.name] - expected).flatten(1).norm(dim=1)
                scale = torch.maximum(expected.flatten(1).norm(dim=1), outputs[f.name].flatten(1).norm(dim=1))
                worst = torch.maximum(worst, (error / scale.clamp_min(1e-300)).to(torch.float64).cpu())
    return uncertainty.to(torch.float64).cpu(), worst


def moved_copies(
    model: torch.nn.Module, inputs: dict[str, torch.Tensor], parts: torch.Tensor, trials: int, seed: int
) -> Iterator[tuple[torch.Tensor, dict[str, torch.Tensor]]]:
    """``trials`` copies of ``inputs`` whose true parts ``parts (n,) or (batch, n)`` move independently.

    Yields ``(motions (batch, n, s, s), moved inputs)``. Each part of each sample is rotated by a random
    element of the group about its own centroid and shifted by the group's random translation (N(0, I)):
    every rigid motion has this form, and the parts stay about where they were instead of being thrown
    across space in proportion to their distance from the origin. The same ``seed`` gives the same motions.
    """
    generator = torch.Generator().manual_seed(seed)
    positions = inputs[model.position]
    parts = parts.expand(positions.shape[:2]).to(positions.device)
    for _ in range(trials):
        motions = part_motions(model.geometric, positions, parts, generator)
        yield motions, {f.name: move_parts(model.geometric, f, motions, inputs[f.name]) for f in model.spec.inputs}


def part_motions(geometric, positions: torch.Tensor, parts: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per-point motions ``(batch, n, s, s)`` for ``positions (batch, n, d)``, ``parts (batch, n)``: part k of
    sample b turns by a random group element about its centroid, then shifts by the element's translation."""
    batch, _, d = positions.shape
    count = int(parts.max()) + 1
    g = geometric.sample(batch * count, generator=generator).to(positions.dtype).to(positions.device)
    g = g.view(batch, count, d + 1, d + 1)
    one_hot = torch.nn.functional.one_hot(parts, count).to(positions.dtype)  # (batch, n, count)
    centroid = one_hot.transpose(1, 2) @ positions / one_hot.sum(1).clamp_min(1)[..., None]  # (batch, count, d)
    g[..., :d, d] += centroid - (g[..., :d, :d] @ centroid[..., None])[..., 0]
    return g[torch.arange(batch, device=parts.device)[:, None], parts]


def move_parts(geometric, field, motions: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Apply ``motions[b, i] (batch, n, s, s)`` to point i of sample b of a per-point field ``x (batch, n, dim)``;
    global fields are returned unchanged."""
    if field.order != 1:
        return x
    batch, n, dim = x.shape
    # Every (sample, point) becomes its own batch item holding one point, so each gets its own motion.
    moved = act_on_field(geometric, field, motions.flatten(0, 1), x.reshape(batch * n, 1, dim))
    return moved.reshape(batch, n, dim)


def partition_accuracy(
    model: torch.nn.Module, inputs: dict[str, torch.Tensor], parts: torch.Tensor, trials: int = 0, seed: int = 0
) -> torch.Tensor:
    """Fraction of points whose predicted part is right, ``(batch,)``, for a model that predicts its partition.

    Part ids are names, not meanings (a relabelled partition is exactly as equivariant), so each sample is
    scored under the best relabelling of the predicted ids. With ``trials > 0`` the score is the worst over
    the input and the ``moved_copies`` of the same ``trials`` and ``seed`` (those ``independent_motion_errors``
    measures). ``parts (n,)`` or ``(batch, n)``. Cost: ``1 + trials`` partitioner passes, O(k! · n) scoring.
    """
    copies = [inputs] + [moved for _, moved in moved_copies(model, inputs, parts, trials, seed)]
    worst = None
    for copy in copies:
        with torch.no_grad():
            predicted = model.partition_probabilities(copy).argmax(-1).cpu()
        truth = parts.expand(predicted.shape)
        relabelled = (torch.tensor(p)[predicted] for p in itertools.permutations(range(model.parts)))
        score = torch.stack([(r == truth).to(torch.float64).mean(1) for r in relabelled]).amax(0)
        worst = score if worst is None else torch.minimum(worst, score)
    return worst


@dataclass(frozen=True)
class PartitionResult:
    """One batch of arms at one gap: mean uncertainty, mean label accuracy, worst measured relative error."""

    gap: float
    uncertainty: float
    accuracy: float
    max_error: float


def partition_errors(
    model: torch.nn.Module, gaps: tuple[float, ...] = PARTITION_GAPS, batch: int = 4, points: int = 8, seed: int = 0
) -> list[PartitionResult]:
    """Independent-motion error of a predicted-partition model against its uncertainty, one row per gap.

    Each row holds ``batch`` arms of ``model.parts`` segments with ``points`` points each (``part_clouds``),
    the other input fields random; the same seed for every gap, so rows differ only in the separation.
    """
    rows = []
    for gap in gaps:
        generator = torch.Generator().manual_seed(seed)
        positions, parts = part_clouds(batch, model.parts, points, gap, generator, model.dtype)
        inputs = random_inputs(model.spec, seed, n=positions.shape[1], batch=batch, dtype=model.dtype)
        inputs[model.position] = positions.to(model.device)
        uncertainty, error = independent_motion_errors(model, inputs, parts, seed=seed)
        accuracy = partition_accuracy(model, inputs, parts, trials=4, seed=seed)
        rows.append(PartitionResult(gap, uncertainty.mean().item(), accuracy.mean().item(), error.max().item()))
    return rows


def partition_table(results: list[PartitionResult]) -> str:
    """Plain-text table of ``partition_errors`` for ``symc check``."""
    rows = [
        "independent part motions with a predicted partition (measured, not exact):",
        f"{'part gap':>9} {'uncertainty':>12} {'label acc.':>11} {'max rel. error':>15}",
    ]
    for r in results:
        rows.append(f"{r.gap:>9.2f} {r.uncertainty:>12.3f} {r.accuracy:>11.3f} {r.max_error:>15.3e}")
    return "\n".join(rows)


__all__ = [
    "PARTITION_GAPS",
    "SHAPES_3D",
    "DegenerateResult",
    "PartitionResult",
    "degenerate_errors",
    "degenerate_table",
    "independent_motion_errors",
    "move_parts",
    "moved_copies",
    "part_clouds",
    "part_motions",
    "partition_accuracy",
    "partition_errors",
    "partition_table",
]


def measure(model: torch.nn.Module, spec, n: int) -> list[str]:
    """``symc check``'s extra reports for frame models, where exactness is not claimed: symmetric (degenerate)
    point clouds, and for piecewise groups independent rigid motions of every part — one line for given
    labels, and for a predicted partition a table of error against the partition's uncertainty over arms
    with several gaps between parts (only the global motions are judged, by the equivariance table)."""
    from symc.methods.frames.piecewise import PiecewiseFrameModel

    reports: list[str] = []
    if isinstance(model, FrameAveragedModel):
        results = degenerate_errors(model)
        if results:
            reports.append(degenerate_table(results))
    if isinstance(model, PiecewiseFrameModel) and model.partitioner is not None:
        reports.append(partition_table(partition_errors(model, points=max(n, 8))))
    elif isinstance(model, PiecewiseFrameModel):
        # Balanced parts large enough for their own frames: the claim under test is exactness with labels.
        count = model.parts
        points = max(n, 4 * count)
        inputs = random_inputs(spec, seed=0, n=points, batch=1, dtype=torch.float64)
        parts = torch.arange(points) % count
        channels = inputs[model.labels].shape[-1]
        labels = torch.nn.functional.one_hot(parts, count) if channels > 1 else parts.unsqueeze(-1)
        inputs[model.labels] = labels.to(torch.float64).unsqueeze(0)
        _, error = independent_motion_errors(model, inputs, parts)
        reports.append(f"independent motions of {count} labelled parts: max relative error {float(error.max()):.3e}")
    return reports

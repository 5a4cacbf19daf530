"""Measured equivariance of a frame-averaged model on symmetric (degenerate) point clouds.

PCA frames are exact only for a simple covariance spectrum. ``degenerate_errors`` feeds the model the
classic degenerate inputs — a regular tetrahedron, a square, collinear points, a single point — moves them
by random group elements and reports, per input, the route the frames took, whether symc claims exactness,
and the measured worst relative error. ``symc check`` prints this table for ``method frames`` models.
Cost: ``2 · trials`` forward passes per input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from symc.backend.frames import FrameAveragedModel
from symc.errors import SymcError
from symc.groups import act_on_field

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
    for plan in model.codec.inputs:
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


def independent_motion_errors(
    model: torch.nn.Module, inputs: dict[str, torch.Tensor], parts: torch.Tensor, trials: int = 4, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Piecewise models: move each true part ``parts (n,)`` by its own random rigid motion and measure.

    Returns ``(uncertainty (batch,), worst relative error (batch,))``: the partition uncertainty the model
    reported (zero with given labels) next to the measured error over ``trials`` sets of motions, so a
    predicted partition is judged by numbers, not by a claim. Only per-point fields move; globals stay put.
    """
    spec, geometric = model.spec, model.geometric
    generator = torch.Generator().manual_seed(seed)
    count = int(parts.max()) + 1
    with torch.no_grad():
        outputs = model(inputs)
        uncertainty = model.last_uncertainty.clone()
        worst = torch.zeros(uncertainty.shape[0], dtype=torch.float64)
        for _ in range(trials):
            motions = geometric.sample(count, generator=generator).to(model.dtype)[parts]  # (n, s, s)
            moved = model({f.name: _move_parts(geometric, f, motions, inputs[f.name]) for f in spec.inputs})
            for f in spec.outputs:
                if f.order != 1:
                    continue
                expected = _move_parts(geometric, f, motions, outputs[f.name])
                error = (moved[f.name] - expected).flatten(1).norm(dim=1)
                scale = torch.maximum(expected.flatten(1).norm(dim=1), outputs[f.name].flatten(1).norm(dim=1))
                worst = torch.maximum(worst, (error / scale.clamp_min(1e-300)).to(torch.float64).cpu())
    return uncertainty, worst


def _move_parts(geometric, field, motions: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Apply ``motions[i] (n, s, s)`` to point i of every sample of a per-point field ``x (batch, n, dim)``."""
    if field.order != 1:
        return x
    batch, n, dim = x.shape
    # Every (sample, point) becomes its own batch item holding one point, so each gets its own motion.
    moved = act_on_field(geometric, field, motions.repeat(batch, 1, 1), x.reshape(batch * n, 1, dim))
    return moved.reshape(batch, n, dim)


__all__ = ["SHAPES_3D", "DegenerateResult", "degenerate_errors", "degenerate_table", "independent_motion_errors"]

"""Measured equivariance error of ``method attributes(orientations = N)`` models as a function of N.

A fixed orientation grid does not rotate with the input, so such a model is equivariant only up to the
grid's quadrature error; symc claims no exactness for it. ``grid_errors`` rebuilds the spec (float64, seeded
initialisation) for several grid sizes N, moves random inputs by random elements of the geometric factor
(rotations, and translations where the group has them) and reports the worst relative error of all outputs.
``symc check`` prints this table for grid models. Cost per size: ``trials`` · 2 forward passes, each
O(n² · N · C + n · N² · C) for n points and C channels.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from symc.ir import ModelSpec
from symc.testing.equivariance import equivariance_error
from symc.testing.strategies import concrete_group, random_inputs

GRID_SIZES = (4, 16, 64, 256)


@dataclass(frozen=True)
class GridResult:
    """One grid size: N, the worst measured relative error, whether N is the spec's own grid size."""

    size: int
    max_error: float
    own: bool


def grid_size(spec: ModelSpec) -> int | None:
    """The spec's orientation-grid size N, or ``None`` when the model does not lift onto a grid."""
    if spec.method.name != "attributes" or spec.method.get("orientations") is None:
        return None
    return int(spec.method.get("orientations"))


def with_grid_size(spec: ModelSpec, size: int) -> ModelSpec:
    """The same spec with ``orientations = size`` (float64, for measuring errors far below float32's)."""
    kwargs = tuple((k, size if k == "orientations" else v) for k, v in spec.method.kwargs)
    architecture = dataclasses.replace(spec.architecture, dtype="float64")
    return dataclasses.replace(spec, method=dataclasses.replace(spec.method, kwargs=kwargs), architecture=architecture)


def grid_errors(
    spec: ModelSpec, sizes: tuple[int, ...] = GRID_SIZES, trials: int = 3, n: int = 6, seed: int = 0
) -> list[GridResult]:
    """Worst relative equivariance error under the geometric factor for each grid size, ascending in N.

    ``sizes`` and the spec's own N are measured; each model is built with ``torch.manual_seed(seed)``, and
    every size sees the same ``trials`` inputs ``(1, n, dim)`` and group elements, so the rows compare.
    """
    from symc.methods.attributes.model import build_attributes_model

    own = grid_size(spec)
    if own is None:
        return []
    group = concrete_group(spec.group, n)
    geometric = next(i for i, f in enumerate(spec.group.factors) if not f.is_permutation)
    results = []
    for size in sorted({*sizes, own}):
        torch.manual_seed(seed)
        model = build_attributes_model(with_grid_size(spec, size))
        worst = 0.0
        for trial in range(trials):
            generator = torch.Generator().manual_seed(seed + trial)
            g = tuple(
                f.sample(1, generator=generator) if i == geometric else f.identity(1)
                for i, f in enumerate(group.factors)
            )
            inputs = random_inputs(spec, seed + trial, n=n, batch=1)
            difference, scale = equivariance_error(model, spec, group, g, inputs)
            worst = max(worst, difference / scale)
        results.append(GridResult(size, worst, size == own))
    return results


def grid_table(results: list[GridResult]) -> str:
    """Plain-text table of ``grid_errors`` for ``symc check``; the spec's own N is marked with ``*``."""
    rows = [f"{'grid size N':>12} {'max rel. error':>15}   (orientation grid: approximate, not exact)"]
    for r in results:
        rows.append(f"{str(r.size) + ('*' if r.own else ' '):>12} {r.max_error:>15.3e}")
    return "\n".join(rows)


def measure(model: torch.nn.Module, spec: ModelSpec, n: int) -> list[str]:
    """``symc check``'s report for grid models: the measured rotation error against N (none without a grid)."""
    results = grid_errors(spec, n=max(n, 2))
    return [grid_table(results)] if results else []


__all__ = ["GRID_SIZES", "GridResult", "grid_errors", "grid_size", "grid_table", "measure", "with_grid_size"]

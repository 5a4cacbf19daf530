"""``assert_equivariant``: a hypothesis-driven property test of ``model(g·x) == g·model(x)``.

Each group factor is tested on its own (the other factors held at the identity), then the whole
product, so a report says *which* symmetry is broken. Hypothesis shrinks a violation towards the
identity, the discrete generators and small seeds, which usually points at the smallest culprit.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from hypothesis import HealthCheck, Phase, given, settings

from symc import ir
from symc.testing.strategies import (
    SEEDS,
    concrete_group,
    group_elements,
    group_factors,
    random_inputs,
)

DEFAULT_RTOL = {torch.float64: 1e-9, torch.float32: 1e-4}
PRODUCT = "product"


@dataclass
class FactorResult:
    """The outcome for one tested subgroup: a factor such as ``O(3)``, or the whole ``product``.

    ``trials`` counts examples up to the first violation; ``max_error`` and ``worst_element`` cover every
    evaluation, shrinking included; ``counterexample`` is the element of the shrunk (simplest) failure.
    """

    factor: str
    trials: int = 0
    max_error: float = 0.0
    worst_element: object = None
    counterexample: object = None
    tolerance: float = 0.0
    violated: bool = False

    @property
    def passed(self) -> bool:
        return not self.violated


@dataclass
class EquivarianceReport:
    """Per-factor results of ``assert_equivariant``; ``str()`` is a plain-text table."""

    model: str
    dtype: torch.dtype
    results: list[FactorResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def max_error(self) -> float:
        return max((r.max_error for r in self.results), default=0.0)

    def table(self) -> str:
        head = f"{'factor':<24} {'trials':>6} {'max rel. error':>15} {'tolerance':>10}  verdict"
        rows = [
            f"{r.factor:<24} {r.trials:>6} {r.max_error:>15.3e} {r.tolerance:>10.1e}  {'ok' if r.passed else 'FAIL'}"
            for r in self.results
        ]
        return "\n".join([f"model {self.model} ({str(self.dtype).removeprefix('torch.')})", head, *rows])

    def __str__(self) -> str:
        return self.table()


class EquivarianceError(AssertionError):
    """Raised by ``assert_equivariant`` when some factor's error exceeds the tolerance; carries the report."""

    def __init__(self, report: EquivarianceReport) -> None:
        self.report = report
        failing = [r for r in report.results if not r.passed]
        lines = [f"model {report.model} is not equivariant", report.table()]
        for r in failing:
            element = _format_element(r.counterexample)
            lines.append(f"{r.factor}: simplest failing element (first of the batch):\n{element}")
        super().__init__("\n".join(lines))


class _ViolationError(Exception):
    """Internal: one trial exceeded the tolerance; raising it lets hypothesis shrink the example."""


def _format_element(g) -> str:
    if isinstance(g, tuple):
        return "\n".join(_format_element(part) for part in g)
    with torch.no_grad():
        return str(g[0] if g.dim() == 3 else g)


def _cast_element(g, dtype: torch.dtype, device: torch.device):
    if isinstance(g, tuple):
        return tuple(part.to(dtype=dtype, device=device) for part in g)
    return g.to(dtype=dtype, device=device)


def _act(group, fields: tuple[ir.FieldSpec, ...], g, values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    from symc.groups import act_on_field

    return {f.name: act_on_field(group, f, g, values[f.name]) for f in fields}


def _flat(values: dict[str, torch.Tensor], fields: tuple[ir.FieldSpec, ...]) -> torch.Tensor:
    return torch.cat([values[f.name].reshape(-1) for f in fields])


def equivariance_error(model, spec: ir.ModelSpec, group, g, inputs: dict[str, torch.Tensor]) -> tuple[float, float]:
    """``(‖f(g·x) − g·f(x)‖, scale)`` over all output fields, with scale = max(‖f(x)‖, ‖g·f(x)‖, tiny).

    The relative error is their ratio. Normalising by the larger of ‖f(x)‖ and ‖g·f(x)‖ keeps it
    scale-free for non-compact groups, whose elements may stretch the output far from its original size.
    """
    with torch.no_grad():
        outputs = model(inputs)
        original = _flat(outputs, spec.outputs)
        expected = _flat(_act(group, spec.outputs, g, outputs), spec.outputs)
        actual = _flat(model(_act(group, spec.inputs, g, inputs)), spec.outputs)
    scale = max(original.norm().item(), expected.norm().item(), torch.finfo(actual.dtype).tiny)
    return (actual - expected).norm().item(), scale


def _example_key(seed: int, g) -> tuple:
    parts = g if isinstance(g, tuple) else (g,)
    return (seed, *(part.numpy().tobytes() for part in parts))


def _check_subgroup(
    model, spec, group, only_factor, name, *, trials, n, batch, dtype, rtol, atol, derandomize, shrink_budget
) -> FactorResult:
    result = FactorResult(factor=name, tolerance=rtol)
    # Inputs and elements are drawn on the CPU (reproducible from a seed), then moved to the model's device.
    device = next(model.parameters(), torch.empty(0)).device
    shrinking_calls = [0]
    failing_keys: set[tuple] = set()

    @settings(
        max_examples=trials,
        deadline=None,
        database=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        # No explain phase: it re-runs the model hundreds of times to annotate a report we print ourselves.
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    )
    @given(seed=SEEDS, g=group_elements(group, batch, only_factor=only_factor))
    def trial(seed: int, g) -> None:
        key = _example_key(seed, g)
        if result.violated:
            shrinking_calls[0] += 1
            # Past the budget every new candidate counts as passing, so hypothesis stops shrinking and
            # replays the simplest failure found so far (which must, and does, fail again).
            if shrinking_calls[0] > shrink_budget and key not in failing_keys:
                return
        inputs = {k: v.to(device) for k, v in random_inputs(spec, seed, n=n, batch=batch, dtype=dtype).items()}
        g = _cast_element(g, dtype, device)
        difference, scale = equivariance_error(model, spec, group, g, inputs)
        error = difference / scale
        if not result.violated:
            result.trials += 1
        if error > result.max_error or result.worst_element is None:
            result.max_error, result.worst_element = error, g
        if difference > atol + rtol * scale:
            result.violated = True
            result.counterexample = g
            failing_keys.add(key)
            raise _ViolationError(error)

    try:
        trial()
    except _ViolationError:
        pass
    return result


def assert_equivariant(
    model: torch.nn.Module,
    spec: ir.ModelSpec,
    *,
    trials: int = 25,
    n: int = 5,
    batch: int = 2,
    dtype: torch.dtype = torch.float64,
    rtol: float | None = None,
    atol: float | None = None,
    derandomize: bool = True,
    shrink_budget: int = 60,
) -> EquivarianceReport:
    """Property-test that ``model`` (taking and returning dicts of fields) is equivariant under ``spec.group``.

    Inputs are random fields with ``n`` points and ``batch`` samples; group elements are drawn per sample.
    Every factor is tested alone (``trials`` examples each), then — for a product — all factors at once.
    The model is copied, cast to ``dtype`` and put in eval mode; the caller's model is left untouched.
    Casting cannot restore precision: to check at float64 accuracy, build the model in float64.
    Inputs and group elements are drawn on the CPU and moved to the device of the model's parameters.
    A trial fails when ``‖f(g·x) − g·f(x)‖ > atol + rtol · scale`` (see ``equivariance_error``);
    ``rtol`` defaults to 1e-9 in float64 and 1e-4 in float32, ``atol`` to 0.
    Raises ``EquivarianceError`` (an ``AssertionError``) with a per-factor table on any violation;
    returns the ``EquivarianceReport`` otherwise. A violation is shrunk by hypothesis towards the identity,
    the discrete generators and small seeds, for at most ``shrink_budget`` further evaluations.
    Cost: ``(factors + 1) · trials`` evaluations (three forward passes each), plus shrinking on failure.
    """
    rtol = DEFAULT_RTOL.get(dtype, 1e-4) if rtol is None else rtol
    atol = 0.0 if atol is None else atol
    checked = copy.deepcopy(model).to(dtype).eval()
    group = concrete_group(spec.group, n)
    factors = group_factors(group)
    subgroups: list[tuple[int | None, str]] = [(i, str(f)) for i, f in enumerate(spec.group.factors)]
    if len(factors) > 1:
        subgroups.append((None, PRODUCT))
    report = EquivarianceReport(model=spec.name, dtype=dtype)
    options = dict(
        trials=trials,
        n=n,
        batch=batch,
        dtype=dtype,
        rtol=rtol,
        atol=atol,
        derandomize=derandomize,
        shrink_budget=shrink_budget,
    )
    for only_factor, name in subgroups:
        report.results.append(_check_subgroup(checked, spec, group, only_factor, name, **options))
    if not report.passed:
        raise EquivarianceError(report)
    return report


__all__ = [
    "EquivarianceError",
    "EquivarianceReport",
    "FactorResult",
    "assert_equivariant",
    "equivariance_error",
]

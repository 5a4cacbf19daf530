"""What a method is to the rest of symc: one ``MethodRecord`` per method folder.

A record states what the method accepts (``Accepts``: groups, field orders, localities, knobs, backbones,
its keyword arguments) and how to build, judge, summarise, describe, measure and generate code for it.
The frontend judges every spec against its record (``symc.frontend.judge``), so a spec that parses
builds; the CLI and the code generator ask the record, never the module's class.

This module and every method's ``__init__.py``/``rules.py`` import no torch: the frontend reads them
while parsing. Builders and everything heavy are imported inside the record's hooks, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symc.ir import ModelSpec, RepExpr, Value


@dataclass(frozen=True)
class Param:
    """One keyword argument: the kind of value it takes and its constraints.

    kinds: ``int``, ``number`` (stored as float), ``bool``, ``choice`` (one of ``choices``),
    ``input`` (the name of an input field of order ``input_order``), ``backbone`` (a name or a
    call from the frontend's ``BACKBONES``, stored as a ``CallValue``).
    """

    kind: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None  # a resource bound: past it the model would not fit in memory
    positive: bool = False
    choices: tuple[str, ...] = ()
    input_order: int | None = None
    default: Value | None = None
    required: bool = False


@dataclass(frozen=True)
class Signature:
    """The keywords of one callable name and which one a positional first argument fills."""

    params: dict[str, Param]
    positional: str | None = None
    doc: str = ""


ALL_ORDERS = frozenset({0, 1, 2})


@dataclass(frozen=True)
class KnobChoices:
    """The values of a choice knob (``nonlinearity``, ``readout``) a method builds, and why the others are not."""

    knob: str
    allowed: tuple[str, ...]
    why: str = ""


@dataclass(frozen=True)
class Accepts:
    """Limits of one method, checked by the frontend before anything is solved. ``None`` means no limit.

    ``groups`` is the plain-words summary shown in hints; the other fields are the rules.
    """

    groups: str
    families: frozenset[str] | None = None  # allowed families of the geometric factors
    dimension: int | None = None  # required d of the geometric factors
    max_geometric: int | None = None  # most geometric factors (besides S(n))
    permutation: str = "optional"  # an S(n) factor is "optional", "required" or "forbidden"
    piecewise: bool = False  # accepts a piecewise group
    irreps_fields: bool = False  # fields are sums of irreps (points allowed on affine groups)
    needs_point_input: bool = False  # a per-point `point` input (positions) is required
    outputs: frozenset[RepExpr] | None = None  # the only atoms outputs may be built from
    point_output_needs_set: bool = False  # a `point` output needs S(n) (points are centred by their centroid)
    field_orders: frozenset[int] = ALL_ORDERS  # orders an input or output may have
    localities: frozenset[str] = frozenset({"complete", "global"})
    knob_choices: tuple[KnobChoices, ...] = ()  # narrower than the language's choices for some knobs
    backbone: bool = False  # symc.build(spec, backbone=module) is accepted


def _nothing_to_solve(spec: ModelSpec) -> None:
    """Methods that solve nothing ahead of the build (frames come from the inputs, tables from caches)."""


def _no_rules(spec: ModelSpec) -> None:
    """Methods whose ``Accepts`` say everything."""


def _model_summary(model: Any, n: int | None) -> Any:
    return model.summary(n)


def _model_description(model: Any) -> str | None:
    return model.describe() if hasattr(model, "describe") else None


def _nothing_measured(model: Any, spec: ModelSpec, n: int) -> list[str]:
    return []


def _always_exact(spec: ModelSpec) -> bool:
    return True


def _no_warnings(spec: ModelSpec) -> list:
    return []


@dataclass(frozen=True)
class MethodRecord:
    """One method: its spec word, what it accepts and its hooks.

    - ``solve(spec) -> SolvedModel``: everything solved ahead of the build (bases with certificates,
      ``symc.solvers.solved``), or None for methods that solve nothing ahead.
    - ``build(spec, backbone, solved) -> SymcModule``: the compiled model from the solved IR (``backbone``
      is None unless ``accepts.backbone``).
    - ``judge(spec)``: rules beyond ``accepts`` (torch-free); raises one located ``SymcError``.
    - ``summarise(model, n)``/``describe(model)``: what ``symc info`` prints.
    - ``measure(model, spec, n) -> list[rich renderable | str]``: extra ``symc check`` reports (measured
      errors where the method does not claim exactness).
    - ``exact(spec)``: whether the built model is claimed exactly equivariant; an approximate one is
      reported against its measured error, never judged as exact.
    - ``lint(spec) -> list[SymcWarning]``: valid-but-suspicious specs (may call the solvers).
    - ``write_module(model, out_dir) -> list[Path]``: ``symc compile``'s standalone module, or None.
    """

    name: str
    method: str
    doc: str
    keywords: Signature
    accepts: Accepts
    build: Callable[[ModelSpec, Any, Any], Any]
    solve: Callable[[ModelSpec], Any] = _nothing_to_solve
    judge: Callable[[ModelSpec], None] = _no_rules
    summarise: Callable[[Any, int | None], Any] = _model_summary
    describe: Callable[[Any], str | None] = _model_description
    measure: Callable[[Any, ModelSpec, int], list] = _nothing_measured
    exact: Callable[[ModelSpec], bool] = _always_exact
    lint: Callable[[ModelSpec], list] = _no_warnings
    write_module: Callable[[Any, Any], list] | None = None
    planned: bool = False
    docs: tuple[str, ...] = field(default=())  # pages of docs/ that describe the method

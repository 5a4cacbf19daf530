"""The spec is judged once, here: against its method's record and the group's family facts.

``judge_spec(spec, group_loc)`` picks the record (``symc.methods.registry.record_for``), checks the
record's ``Accepts`` (groups, field orders, fields, outputs, backbone keywords) and then runs the record's
own ``judge``. A spec that passes builds: the builders refuse nothing a spec says.
"""

from __future__ import annotations

from symc.errors import SourceLocation, SymcError
from symc.ir import FieldSpec, GroupSpec, Irrep, ModelSpec, Point, RepExpr, rep_atoms
from symc.ir.families import FAMILIES
from symc.methods.record import Accepts, MethodRecord
from symc.methods.registry import record_for, records


def judge_spec(spec: ModelSpec, group_loc: SourceLocation | None) -> MethodRecord:
    """The record that builds ``spec``; raises one located ``SymcError`` where ``spec`` asks its method for
    something it cannot give."""
    record = record_for(spec)
    if record.planned:
        raise SymcError(
            f"method '{spec.method.name}' is planned and not built yet",
            spec.method.loc,
            "methods built today: " + ", ".join(_built_methods()),
        )
    cap = record.accepts
    method_loc = spec.method.loc
    what = f"method {spec.method.name}"
    if record.name != record.method:
        what += f" with locality {spec.locality.kind}"
    _check_group(spec.group, cap, what, group_loc)
    _check_orders(spec, cap, what)
    _check_knob_choices(spec, cap, what)
    if any(f.piecewise for f in spec.group.factors):
        if not cap.piecewise:
            raise SymcError(
                f"{what} cannot enforce a piecewise group", group_loc, "piecewise groups need method frames"
            )
        if not any(f.order >= 1 for f in spec.inputs):
            raise SymcError(
                "a piecewise group moves parts of a point set, but the model has no per-point input",
                group_loc,
                "declare the positions, e.g. `input pos: point per point`",
            )
    elif spec.method.get("labels") is not None or spec.method.get("parts") is not None:
        raise SymcError(
            "'labels' and 'parts' describe the partition of a piecewise group",
            method_loc,
            "write `group piecewise E(3)`, or drop them",
        )
    if cap.irreps_fields:
        affine = all(FAMILIES[f.family].affine for f in spec.group.geometric_factors)
        for field in spec.inputs + spec.outputs:
            bad = next((a for a in _atoms(field.rep) if not (isinstance(a, Irrep) or (affine and a == Point()))), None)
            if bad is not None:
                raise SymcError(
                    f"{what} needs fields written as irreps; '{field.name}' contains {bad}",
                    field.loc,
                    "write tensors as irreps: T(0) → 0e, T(1) → 1o, T(2) → 0e + 1e + 2e",
                )
    if cap.needs_point_input and not any(f.order >= 1 and Point() in _atoms(f.rep) for f in spec.inputs):
        raise SymcError(
            f"{what} builds invariant attributes from positions, but no input is a per-point `point`",
            method_loc,
            "add e.g. `input pos: point per point`",
        )
    for field in spec.outputs:
        _check_output(field, spec.group, cap, what)
    record.judge(spec)
    return record


def _built_methods() -> list[str]:
    return list(dict.fromkeys(r.method for r in records() if not r.planned))


def _check_orders(spec: ModelSpec, cap: Accepts, what: str) -> None:
    for field in spec.inputs + spec.outputs:
        if field.order not in cap.field_orders:
            taken = ", ".join(order_word(o) for o in sorted(cap.field_orders))
            raise SymcError(
                f"{what} does not take {order_word(field.order)} fields; '{field.name}' is one",
                field.loc,
                f"{what} takes {taken} fields",
            )


def _check_knob_choices(spec: ModelSpec, cap: Accepts, what: str) -> None:
    for choices in cap.knob_choices:
        value = getattr(spec.architecture, choices.knob)
        if value is not None and value not in choices.allowed:
            why = f" ({choices.why})" if choices.why else ""
            raise SymcError(
                f"{choices.knob} '{value}' is not available for {what}",
                spec.architecture.loc_of(choices.knob) or spec.loc,
                f"use one of {', '.join(choices.allowed)}{why}",
            )


def order_word(order: int) -> str:
    return {0: "global", 1: "per-point", 2: "per-pair"}[order]


def _check_group(group: GroupSpec, cap: Accepts, what: str, loc: SourceLocation | None) -> None:
    geometric = group.geometric_factors
    if cap.max_geometric is not None and len(geometric) > cap.max_geometric:
        allowed = "no geometric group factor" if cap.max_geometric == 0 else f"at most {cap.max_geometric}"
        raise SymcError(f"{what} supports {allowed} besides S(n), got {group}", loc, f"{what} handles {cap.groups}")
    if cap.permutation == "required" and group.permutation_factor is None:
        raise SymcError(f"{what} needs an S(n) factor, got {group}", loc, f"{what} handles {cap.groups}")
    if cap.permutation == "forbidden" and group.permutation_factor is not None:
        raise SymcError(f"{what} does not take an S(n) factor, got {group}", loc, f"{what} handles {cap.groups}")
    for factor in geometric:
        wrong_family = cap.families is not None and factor.family not in cap.families
        wrong_dim = cap.dimension is not None and factor.args != (cap.dimension,)
        if wrong_family or wrong_dim:
            raise SymcError(f"{what} does not support {factor.name}", loc, f"{what} handles {cap.groups}")


def _check_output(field: FieldSpec, group: GroupSpec, cap: Accepts, what: str) -> None:
    atoms = list(_atoms(field.rep))
    if cap.outputs is not None:
        bad = next((a for a in atoms if a not in cap.outputs), None)
        if bad is not None:
            raise SymcError(
                f"{what} cannot produce output '{field.name}': {bad} is not a scalar, vector or point",
                field.loc,
                f"{what} handles {cap.groups}; use basis or tensor_product for other outputs",
            )
    if cap.point_output_needs_set and Point() in atoms and group.permutation_factor is None:
        raise SymcError(
            f"{what} cannot output the point '{field.name}' without an S(n) factor",
            field.loc,
            "basis centres points by the centroid of a point set: add `x S(n)` to the group, or use frames",
        )


def _atoms(rep: RepExpr) -> list[RepExpr]:
    return [atom for atom, _ in rep_atoms(rep)]

"""What ``method frames`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import CallValue, FieldSpec, Irrep, ModelSpec, MultipleRep, Point, RepExpr, SumRep, TensorRep
from symc.methods.basis.rules import judge_field_layout

POSITION_REPS = (Point(), TensorRep(1), Irrep(1, -1))  # what a frame can be computed from
SCALARS = (TensorRep(0), Irrep(0, 1))


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method frames`` spec cannot be built."""
    judge_field_layout(spec, "method frames")
    geometric = spec.group.geometric_factors
    factor = geometric[0] if geometric else None
    call = spec.method.get("backbone", "mlp")
    backbone = call.name if isinstance(call, CallValue) else str(call)
    if factor is not None and factor.piecewise:
        _judge_piecewise(spec, backbone)
        return
    if factor is not None and not any(f.order == 1 and f.rep in POSITION_REPS for f in spec.inputs):
        raise SymcError(
            f"method frames builds {factor} frames from positions, but no input is a per-point point or vector",
            spec.loc,
            "add e.g. `input pos: point per point` (affine groups) or `x: 1o per point`",
        )
    permutation = spec.group.permutation_factor
    per_point = any(f.order == 1 for f in spec.inputs + spec.outputs)
    if backbone == "mlp" and per_point and permutation is not None and not isinstance(permutation.args[0], int):
        raise SymcError(
            "backbone mlp flattens the point set, so it needs a fixed size such as S(5)",
            spec.method.loc,
            "write the set size into the group (S(5)), or use pointnet / gnn for any n",
        )


def _judge_piecewise(spec: ModelSpec, backbone: str) -> None:
    """``group piecewise E(d)/SE(d)``: a partition (given or predicted), part frames from a `point`, invariant
    global fields; the part encoder/decoder is built in (no user backbone)."""
    if backbone == "custom":
        raise SymcError(
            "piecewise frames use a built-in part encoder/decoder; backbone = custom is not supported here",
            spec.method.loc,
            "use pointnet (or drop the backbone argument), or a non-piecewise group",
        )
    if not any(f.order == 1 and f.rep == Point() for f in spec.inputs):
        raise SymcError(
            "piecewise frames need a per-point `point` input for the part frames",
            spec.loc,
            "add `input pos: point per point`",
        )
    for field in spec.inputs + spec.outputs:
        if field.order == 0 and _invariant_width(field.rep) is None:
            raise SymcError(
                f"global field '{field.name}' of a piecewise group must be invariant (scalars)",
                field.loc,
                "each part moves on its own, so only per-point fields can carry vectors or points",
            )
    labels, parts = spec.method.get("labels"), spec.method.get("parts")
    if labels is None and parts is None:
        raise SymcError(
            "a piecewise group needs its partition: `labels = <per-point input>` or `parts = k` to predict one",
            spec.method.loc,
            "add e.g. `parts = 2` to frames(...)",
        )
    if labels is None:
        return
    field = spec.field(str(labels))
    width = _label_width(field)
    if width is None:
        raise SymcError(
            f"part labels '{field.name}' must be scalars: one id channel (T(0)) or k score channels (kxT(0))",
            field.loc,
            "write e.g. `part: T(0) per point` with `parts = k`, or `part: 3xT(0) per point`",
        )
    if width > 1 and parts is not None and int(parts) != width:
        raise SymcError(
            f"'{field.name}' has {width} score channels but parts = {parts}",
            spec.method.loc,
            f"drop `parts` (the width gives it), or write parts = {width}",
        )
    if width == 1 and parts is None:
        raise SymcError(
            f"integer part labels '{field.name}' need the number of parts",
            spec.method.loc,
            "add `parts = k` to frames(...)",
        )


def _label_width(field: FieldSpec) -> int | None:
    """Channels of a labels field: one ``T(0)``/``0e`` or ``k x`` one (what ``frames.piecewise`` reads)."""
    return _scalar_multiple(field.rep)


def _scalar_multiple(rep: RepExpr) -> int | None:
    mult = 1
    if isinstance(rep, MultipleRep):
        mult, rep = rep.mult, rep.base
    return mult if rep in SCALARS else None


def _invariant_width(rep: RepExpr) -> int | None:
    """Channels of a global field of a piecewise model: scalar multiples, or a sum of them."""
    if isinstance(rep, SumRep):
        widths = [_scalar_multiple(t) for t in rep.terms]
        return None if None in widths else sum(widths)
    return _scalar_multiple(rep)

"""What ``method basis`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import DualRep, Irrep, ModelSpec, Point, ProductRep, RepExpr, TensorRep, rep_atoms
from symc.methods.record import KnobChoices

# The scalar activation inside the gates; `gated` names the default. A norm nonlinearity is not built.
KNOB_CHOICES = (
    KnobChoices(
        "nonlinearity",
        ("gated", "relu", "silu", "tanh"),
        "non-scalar channels are always gated by invariant scalars; the choice picks the scalar activation",
    ),
    KnobChoices("readout", ("mean", "sum"), "max does not commute with the linear readout of non-scalar fields"),
)


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method basis`` spec cannot be built."""
    permutations = [f for f in spec.group.factors if f.is_permutation]
    if len(permutations) > 1:
        raise SymcError(
            f"method basis supports at most one S(n) factor; got {spec.group}",
            permutations[1].loc or spec.loc,
            "merge the point sets into one S(n)",
        )
    fields = spec.inputs + spec.outputs
    if not permutations:
        for field in fields:
            if field.order > 0:
                raise SymcError(
                    f"field '{field.name}' is indexed by points but the group has no S(n) factor",
                    field.loc,
                    "add 'x S(n)' to the group",
                )
    if max(f.order for f in fields) > 0 and max(f.order for f in spec.inputs) == 0:
        field = next(f for f in spec.outputs if f.order > 0)
        raise SymcError(
            f"output '{field.name}' is indexed by the point set, but every input is global, so n is unknown",
            field.loc,
            "add a per-point input",
        )
    judge_field_layout(spec, "method basis")


def judge_field_layout(spec: ModelSpec, what: str) -> None:
    """The field contract of ``symc.layers.fields.FieldCodec`` (used by methods basis and frames).

    Without a geometric factor the fields are scalar channels; a `point` anywhere is centred by the centroid
    of the first per-point input holding a `point`, so one must exist.
    """
    fields = spec.inputs + spec.outputs
    if not spec.group.geometric_factors:
        for field in fields:
            bad = next((a for a in _atoms(field.rep) if not _trivial(a)), None)
            if bad is not None:
                raise SymcError(
                    f"{what} has no geometric group factor to act on {bad} in '{field.name}': "
                    f"{spec.group} only permutes points",
                    field.loc,
                    "use scalar channels such as T(0), or add a factor such as `x SO(3)`",
                )
    with_points = [f for f in fields if any(a == Point() for a in _atoms(f.rep))]
    if with_points and not any(f.order == 1 and any(a == Point() for a in _atoms(f.rep)) for f in spec.inputs):
        field = with_points[0]
        raise SymcError(
            f"field '{field.name}' is a point, but translations can only be removed relative to a per-point "
            "`point` input, and this model has none",
            field.loc,
            "add a per-point position input (e.g. `input pos: point per point`), or give the field as a vector",
        )


def _trivial(rep: RepExpr) -> bool:
    if isinstance(rep, TensorRep):
        return rep.k == rep.l == 0
    if isinstance(rep, Irrep):
        return rep.l == 0 and rep.parity == 1
    if isinstance(rep, DualRep):
        return _trivial(rep.base)
    if isinstance(rep, ProductRep):
        return all(_trivial(t) for t in rep.factors)
    return False


def _atoms(rep: RepExpr) -> list[RepExpr]:
    return [atom for atom, _ in rep_atoms(rep)]

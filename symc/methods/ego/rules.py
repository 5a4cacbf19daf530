"""What the sub-graph / graph networks ask of a spec beyond their ``Accepts`` (torch-free)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import Irrep, ModelSpec, MultipleRep, RepExpr, SumRep, TensorRep
from symc.methods.record import KnobChoices

KNOB_CHOICES = (KnobChoices("nonlinearity", ("relu", "silu", "tanh"), "pointwise maps keep permutation equivariance"),)


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a graph-locality spec cannot be built."""
    for field in spec.inputs + spec.outputs:
        if not _scalar_channels(field.rep):
            raise SymcError(
                f"field '{field.name}' is {field.rep}: graph localities take channels of scalars per node, pair "
                "or graph",
                field.loc,
                "write e.g. `4xT(0) per node`; geometric fields need another method",
            )
    hidden = spec.architecture.hidden
    if hidden is not None and not isinstance(hidden, int) and not _scalar_channels(hidden):
        raise SymcError(
            f"hidden {hidden}: graph models have channels of scalars",
            spec.architecture.loc_of("hidden") or spec.loc,
            "write a width (e.g. `hidden 32`) or scalar channels such as `32xT(0)`",
        )


def _scalar_channels(rep: RepExpr) -> bool:
    """Whether ``rep`` is built from ``T(0)``/``0e`` alone (what ``symc.methods.ego.model`` reads as channels)."""
    if isinstance(rep, TensorRep):
        return rep.k == rep.l == 0
    if isinstance(rep, MultipleRep):
        return _scalar_channels(rep.base)
    if isinstance(rep, SumRep):
        return all(_scalar_channels(t) for t in rep.terms)
    return rep == Irrep(0, 1)

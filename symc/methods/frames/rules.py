"""What ``method frames`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import CallValue, Irrep, ModelSpec, Point, TensorRep

POSITION_REPS = (Point(), TensorRep(1), Irrep(1, -1))  # what a frame can be computed from


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method frames`` spec cannot be built."""
    geometric = spec.group.geometric_factors
    factor = geometric[0] if geometric else None
    if factor is None or factor.piecewise:
        return
    if not any(f.order == 1 and f.rep in POSITION_REPS for f in spec.inputs):
        raise SymcError(
            f"method frames builds {factor} frames from positions, but no input is a per-point point or vector",
            spec.loc,
            "add e.g. `input pos: point per point` (affine groups) or `x: 1o per point`",
        )
    call = spec.method.get("backbone", "mlp")
    backbone = call.name if isinstance(call, CallValue) else str(call)
    permutation = spec.group.permutation_factor
    per_point = any(f.order == 1 for f in spec.inputs + spec.outputs)
    if backbone == "mlp" and per_point and permutation is not None and not isinstance(permutation.args[0], int):
        raise SymcError(
            "backbone mlp flattens the point set, so it needs a fixed size such as S(5)",
            spec.method.loc,
            "write the set size into the group (S(5)), or use pointnet / gnn for any n",
        )

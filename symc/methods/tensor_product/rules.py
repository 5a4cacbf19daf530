"""What ``method tensor_product`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import ModelSpec, Point


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method tensor_product`` spec cannot be built."""
    points = [f for f in spec.inputs if isinstance(f.rep, Point) and f.order == 1]
    if len(points) != 1:
        raise SymcError(
            "method tensor_product needs exactly one per-point 'point' input (the positions)",
            points[1].loc if len(points) > 1 else spec.loc,
            "add e.g. 'input pos: point per point' (group E(3) x S(n) or SE(3) x S(n))",
        )

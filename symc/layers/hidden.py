"""The hidden representation of a ``basis`` network: the spec's ``hidden`` knob or a uniform allocation.

Uniform allocation (EMLP's ``uniform_rep`` idea): ``hidden C`` (an int, default 128) is a budget of total
channels per set element, split evenly over the tensor types ``T(k,l)`` with ``k + l ≤ 2``; each type gets
``max(1, ⌊C / (types · dim)⌋)`` copies. Groups whose V is isomorphic to V* (orthogonal, Euclidean, Lorentz,
symplectic, planar) only need ``T(0), T(1), T(2)``; GL+/SL/Aff+ also get the dual types.
"""

from __future__ import annotations

from symc.ir import GroupFactor, MultipleRep, RepExpr, SumRep, TensorRep
from symc.ir.families import families_where
from symc.layers.blocks import SCALAR, FeatureLayout, blocks_of, single_dim

DEFAULT_HIDDEN_CHANNELS = 128
DEFAULT_LAYERS = 3
SELF_DUAL_FAMILIES = families_where(lambda f: f.self_dual)  # derived from symc.ir.families


def tensor_types(factor: GroupFactor | None) -> tuple[TensorRep, ...]:
    """The tensor types a uniform hidden rep is made of, for one geometric factor (None: scalars only)."""
    if factor is None:
        return (SCALAR,)
    if factor.family in SELF_DUAL_FAMILIES:
        return (TensorRep(0), TensorRep(1), TensorRep(2))
    return tuple(TensorRep(k, total - k) for total in range(3) for k in range(total, -1, -1))


def uniform_hidden_rep(factor: GroupFactor | None, channels: int) -> RepExpr:
    """``channels`` split evenly over :func:`tensor_types`, e.g. SO(3), 128 -> ``42xT(0) + 14xT(1) + 4xT(2)``."""
    types = tensor_types(factor)
    budget = channels // len(types)
    terms = tuple(MultipleRep(max(1, budget // single_dim(t, factor)), t) for t in types)
    return SumRep(terms)


def hidden_layout(hidden: RepExpr | int | None, factor: GroupFactor | None, order: int) -> FeatureLayout:
    """Blocks of the hidden features at set order ``order``."""
    rep = hidden if isinstance(hidden, RepExpr) else uniform_hidden_rep(factor, hidden or DEFAULT_HIDDEN_CHANNELS)
    return FeatureLayout(blocks_of(rep, order, factor))

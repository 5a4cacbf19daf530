"""The group catalogue: ``group("SO(3) x S(5)")`` → data (generators, sampler, flags) for each factor."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch

from symc.errors import SymcError
from symc.groups import algebras as alg
from symc.groups import sampling
from symc.groups.matrix_group import MatrixGroup, ProductGroup, Sampler, enumerate_permutations
from symc.ir import GroupFactor, GroupSpec
from symc.ir.families import FAMILIES
from symc.ir.text import read_group

AnyGroup = MatrixGroup | ProductGroup


def group(spec: str | GroupSpec | GroupFactor) -> AnyGroup:
    """Concrete group for a name or IR: a ``MatrixGroup`` for one factor, a ``ProductGroup`` for ``G x H``.

    Text is read by the frontend's grammar (``symc.ir.text.read_group``), so it gets exactly the checks and
    errors of a spec's ``group`` line; the catalogue itself works on IR. Raises ``SymcError`` (with a hint)
    for unknown names, bad arities and symbolic sizes such as ``S(n)``.
    """
    if isinstance(spec, str):
        spec = read_group(spec)
    if isinstance(spec, GroupFactor):
        return matrix_group(spec)
    if not isinstance(spec, GroupSpec):
        raise SymcError(f"not a group: {spec!r}", hint='pass a name such as "SO(3)" or an ir.GroupSpec')
    factors = tuple(matrix_group(f) for f in spec.factors)
    return factors[0] if len(factors) == 1 else ProductGroup(factors)


def matrix_group(factor: GroupFactor) -> MatrixGroup:
    """Build one factor; its sizes must be concrete integers (``piecewise G`` gives G's matrices)."""
    if factor.family not in FAMILIES or len(factor.args) != FAMILIES[factor.family].arity:
        raise SymcError(f"not a catalogue group factor: {factor}", hint="build IR with symc.frontend.parse_group")
    if factor.piecewise:
        factor = GroupFactor(factor.family, factor.args, loc=factor.loc)
    if factor.is_symbolic:
        raise SymcError(
            f"{factor} has a symbolic size; concrete matrices need an integer",
            text=str(factor),
            hint=f"write e.g. {factor.family}({5 if factor.is_permutation else 3}) to build or sample the group",
        )
    return _BUILDERS[factor.family](factor, *(int(a) for a in factor.args))


def generator_elements(g: AnyGroup) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Discrete generators in the form ``rep.rho`` accepts: ``(m, s, s)`` or a tuple of ``(M, s_i, s_i)``."""
    return g.discrete_generators() if isinstance(g, ProductGroup) else g.discrete_generators


def lie_algebra_basis(g: AnyGroup) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Lie-algebra basis in the form ``rep.drho`` accepts: ``(r, s, s)`` or a tuple of ``(R, s_i, s_i)``."""
    return g.lie_generators() if isinstance(g, ProductGroup) else g.lie_generators


def _make(
    factor: GroupFactor,
    size: int,
    discrete: torch.Tensor,
    lie: torch.Tensor,
    sampler: Sampler,
    *,
    linear_size: int | None = None,
    compact: bool | None = None,
    affine: bool | None = None,
    order_fn: Callable[[], int] | None = None,
    elements_fn: Callable[[], torch.Tensor] | None = None,
) -> MatrixGroup:
    facts = FAMILIES[factor.family]
    return MatrixGroup(
        name=factor.name,
        factor=factor,
        matrix_size=size,
        linear_size=size if linear_size is None else linear_size,
        discrete_generators=discrete,
        lie_generators=lie,
        compact=facts.compact if compact is None else compact,
        affine=facts.affine if affine is None else affine,
        sampler=sampler,
        order_fn=order_fn,
        elements_fn=elements_fn,
    )


def _no_algebra(size: int) -> torch.Tensor:
    return torch.zeros(0, size, size, dtype=alg.DTYPE)


def _sampler(fn: Callable[[int, int, torch.Generator | None], torch.Tensor], size: int) -> Sampler:
    """Bind the size of a ``sampling`` function ``fn(batch, size, generator)`` (a picklable partial)."""
    return partial(_call_sampler, fn, size)


def _call_sampler(fn: Callable, size: int, batch: int, generator: torch.Generator | None) -> torch.Tensor:
    return fn(batch, size, generator)


def _pick_from(elements: Callable[[], torch.Tensor], batch: int, generator: torch.Generator | None) -> torch.Tensor:
    table = elements()
    return table[sampling.uniform_indices(batch, table.shape[0], generator)]


def _symmetric(factor: GroupFactor, n: int) -> MatrixGroup:
    return _make(
        factor,
        n,
        alg.symmetric_generators(n),
        _no_algebra(n),
        _sampler(sampling.uniform_permutations, n),
        order_fn=partial(math.factorial, n),
        elements_fn=partial(enumerate_permutations, n),
    )


def _cyclic_elements(k: int) -> torch.Tensor:
    return torch.stack([alg.planar_rotation(2 * math.pi * j / k) for j in range(k)])


def _dihedral_elements(k: int) -> torch.Tensor:
    rotations = _cyclic_elements(k)
    return torch.cat([rotations, rotations @ _planar_reflection()])


def _planar_reflection() -> torch.Tensor:
    return torch.diag(torch.tensor([1.0, -1.0], dtype=alg.DTYPE))


def _finite_planar(factor: GroupFactor, discrete: torch.Tensor, elements: Callable[[], torch.Tensor]) -> MatrixGroup:
    return _make(
        factor,
        2,
        discrete,
        _no_algebra(2),
        partial(_pick_from, elements),
        order_fn=partial(_count, elements),
        elements_fn=elements,
    )


def _count(elements: Callable[[], torch.Tensor]) -> int:
    return elements().shape[0]


def _cyclic(factor: GroupFactor, k: int) -> MatrixGroup:
    return _finite_planar(factor, alg.planar_rotation(2 * math.pi / k)[None], partial(_cyclic_elements, k))


def _dihedral(factor: GroupFactor, k: int) -> MatrixGroup:
    discrete = torch.stack([alg.planar_rotation(2 * math.pi / k), _planar_reflection()])
    return _finite_planar(factor, discrete, partial(_dihedral_elements, k))


def _special_orthogonal(factor: GroupFactor, d: int) -> MatrixGroup:
    return _make(factor, d, _no_algebra(d), alg.rotation_algebra(d), _sampler(sampling.haar_rotation, d))


def _orthogonal(factor: GroupFactor, d: int) -> MatrixGroup:
    return _make(factor, d, alg.reflection(d)[None], alg.rotation_algebra(d), _sampler(sampling.haar_orthogonal, d))


def _general_linear(factor: GroupFactor, d: int) -> MatrixGroup:
    return _make(
        factor, d, _no_algebra(d), alg.general_linear_algebra(d), _sampler(sampling.general_linear_positive, d)
    )


def _special_linear(factor: GroupFactor, d: int) -> MatrixGroup:
    return _make(factor, d, _no_algebra(d), alg.special_linear_algebra(d), _sampler(sampling.special_linear, d))


def _lorentz(factor: GroupFactor, p: int, q: int) -> MatrixGroup:
    return _make(factor, p + q, _no_algebra(p + q), alg.lorentz_algebra(q), _sampler(sampling.lorentz, q))


def _symplectic(factor: GroupFactor, size: int) -> MatrixGroup:
    d = size // 2
    return _make(factor, size, _no_algebra(size), alg.symplectic_algebra(d), _sampler(sampling.symplectic, d))


def _translations_only(d: int) -> MatrixGroup:
    factor = GroupFactor("T", (d,))
    return _make(factor, d, _no_algebra(d), _no_algebra(d), _sampler(_identities, d), compact=True, affine=False)


def _identities(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    return torch.eye(d, dtype=alg.DTYPE).expand(batch, d, d).clone()


def _affine_sample(linear: MatrixGroup, batch: int, generator: torch.Generator | None) -> torch.Tensor:
    d = linear.linear_size
    out = alg.affine_embed_group(linear.sampler(batch, generator))
    out[:, :d, d] = torch.randn(batch, d, generator=generator, dtype=alg.DTYPE)
    return out


def _affine_family(factor: GroupFactor, d: int) -> MatrixGroup:
    """``R^d ⋊ G``: the linear group's generators embedded as ``[[A, 0], [0, 1]]``, plus translations."""
    linear_family = FAMILIES[factor.family].linear_family
    if linear_family is None:
        linear = _translations_only(d)
    else:
        linear_factor = GroupFactor(linear_family, (d,))
        linear = _BUILDERS[linear_factor.family](linear_factor, d)
    return _make(
        factor,
        d + 1,
        alg.affine_embed_group(linear.discrete_generators),
        torch.cat([alg.affine_embed(linear.lie_generators), alg.translation_algebra(d)]),
        partial(_affine_sample, linear),
        linear_size=d,
    )


# Generators and samplers keyed by family; every other fact lives in symc.ir.families.FAMILIES (same keys).
_BUILDERS: dict[str, Callable[..., MatrixGroup]] = {
    "S": _symmetric,
    "C": _cyclic,
    "D": _dihedral,
    "SO": _special_orthogonal,
    "O": _orthogonal,
    "GL+": _general_linear,
    "SL": _special_linear,
    "SO+": _lorentz,
    "Sp": _symplectic,
    "SE": _affine_family,
    "E": _affine_family,
    "T": _affine_family,
    "Aff+": _affine_family,
}

"""Equivariant bases: route selection, assembly, certification and caching.

``solve_equivariant_basis(group, rep_in, rep_out)`` returns an orthonormal basis of
{W : ρ_out(g) W = W ρ_in(g) for all g}, shape ``(k, dim_out, dim_in)``. Routes, tried in order:

1. **blocks** — rep_in and rep_out are split into direct-sum summands; each distinct (summand_in,
   summand_out) pair is solved once (through this same function, so it is cached by its canonical text) and
   copied into every block where it occurs. Cost: the sum over *distinct* pairs instead of one problem of
   size dim_in · dim_out (which would be up to (#summands)² times larger, cubed).
2. **partition** — S(n) with permutation tensors T(k) -> T(l): the closed form of
   :mod:`symc.solvers.partitions`, O(Bell(k+l)² n^(k+l)).
3. **product** — G1 × G2 × … with both reps tensor products of one rep per factor (factor 0 slowest):
   Hom(⊗A_i, ⊗B_i) = ⊗ Hom(A_i, B_i); each factor is solved on its own and the bases are Kronecker-multiplied.
4. **gram-eigh / gram-lobpcg** — a single block: the Gram operator of the stacked generator constraints,
   applied through mode products (:mod:`symc.solvers.constraints`); dense ``eigh`` of the assembled N × N
   Gram for N = dim_in · dim_out ≤ 4096 (O(m N² (dim_in + dim_out) + N³)), block LOBPCG with rank doubling
   above (O(iterations · b · m · N · (dim_in + dim_out))). The stacked (m N × N) matrix is never formed.
   With ``exact=True``: rational elimination over QQ (:mod:`symc.solvers.exact`).

Every result is certified (see :class:`Certificate`): relative residual ≤ RESIDUAL_LIMIT on all generators,
an unambiguous spectral gap, and — for compact groups — the character-predicted dimension, all of which
raise ``SymcError`` when violated. Results are cached on disk and in memory (:mod:`symc.runtime.disk_cache`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from symc.errors import SymcError
from symc.groups import MatrixGroup, ProductGroup, generator_elements, lie_algebra_basis
from symc.groups.rep_nodes import Rep
from symc.ir import GroupFactor, GroupSpec, RepExpr
from symc.runtime import disk_cache as cache
from symc.solvers.characters import predicted_dimension
from symc.solvers.constraints import IntertwinerConstraints, spectral_norms
from symc.solvers.nullspace import dense_svd_nullspace, gram_nullspace
from symc.solvers.partitions import bell_number, orthonormal_partition_basis, partition_basis, partition_count
from symc.solvers.result import Certificate, SolvedBasis
from symc.solvers.structure import is_symmetric_group, permutation_order, signature, split_by_factor, summands

if TYPE_CHECKING:
    import sympy

AnyGroup = MatrixGroup | ProductGroup
RESIDUAL_LIMIT = 1e-9


@dataclass(frozen=True)
class _Solution:
    """A basis before certification: ``basis (k, dim_out, dim_in)``, its rational form, route and gap."""

    basis: torch.Tensor
    exact_basis: tuple[sympy.Matrix, ...] | None
    route: str
    gap: float


def _as_group(group: AnyGroup | str | GroupSpec | GroupFactor) -> AnyGroup:
    if isinstance(group, (MatrixGroup, ProductGroup)):
        return group
    from symc.groups import group as build_group

    return build_group(group)


def _as_rep(rep: Rep | str | RepExpr, group: AnyGroup) -> Rep:
    if isinstance(rep, Rep):
        return rep
    from symc.groups.reps import rep as build_rep

    return build_rep(rep, group)


def _generator_count(elements: torch.Tensor | tuple[torch.Tensor, ...]) -> int:
    return (elements[0] if isinstance(elements, tuple) else elements).shape[0]


def _acts_as_same_scalar(out_action: torch.Tensor, in_action: torch.Tensor) -> bool:
    """True when L_out = c·I and L_in = c·I: the pair constrains nothing."""
    c = out_action[0, 0]
    eye_out = torch.eye(out_action.shape[0], dtype=out_action.dtype)
    eye_in = torch.eye(in_action.shape[0], dtype=in_action.dtype)
    return bool(torch.equal(out_action, c * eye_out) and torch.equal(in_action, c * eye_in))


def build_constraints(group: AnyGroup, rep_in: Rep, rep_out: Rep, *, normalize: bool = True) -> IntertwinerConstraints:
    """Generator pairs (ρ_out(h), ρ_in(h)) and (dρ_out(A), dρ_in(A)), each pair scaled to unit norm when
    ``normalize`` (the exact route keeps the raw, rational entries).

    Only the per-rep generator matrices (dim² entries each) are formed, from the reps' structured
    products; pairs that constrain nothing (both sides the same multiple of I) are dropped.
    """
    outs, ins = [], []
    discrete, lie = generator_elements(group), lie_algebra_basis(group)
    if _generator_count(discrete):
        outs.append(rep_out.rho(discrete))
        ins.append(rep_in.rho(discrete))
    if _generator_count(lie):
        outs.append(rep_out.drho(lie))
        ins.append(rep_in.drho(lie))
    dtype = torch.float64
    if not outs:
        return IntertwinerConstraints(
            torch.zeros(0, rep_out.dim, rep_out.dim, dtype=dtype), torch.zeros(0, rep_in.dim, rep_in.dim, dtype=dtype)
        )
    out_actions, in_actions = torch.cat(outs).to(dtype), torch.cat(ins).to(dtype)
    keep = [i for i in range(out_actions.shape[0]) if not _acts_as_same_scalar(out_actions[i], in_actions[i])]
    out_actions, in_actions = out_actions[keep], in_actions[keep]
    if keep and normalize:
        norms = torch.maximum(spectral_norms(out_actions), spectral_norms(in_actions)).clamp_min(
            torch.finfo(dtype).tiny
        )
        out_actions, in_actions = out_actions / norms[:, None, None], in_actions / norms[:, None, None]
    return IntertwinerConstraints(out_actions, in_actions)


def _orthonormal_rows(vectors: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis ``(k, N)`` of the row span of ``vectors (k, N)`` with independent rows."""
    if vectors.shape[0] == 0:
        return vectors
    q, _ = torch.linalg.qr(vectors.T)
    return q.T.contiguous()


def _describe(group: AnyGroup, rep_in: Rep, rep_out: Rep) -> str:
    return f"{group.name}: {rep_in} -> {rep_out}"


def _solve_partition(n: int, k: int, l: int, exact: bool) -> _Solution:
    basis, gap = orthonormal_partition_basis(n, k, l)
    exact_basis = None
    if exact:
        import sympy

        raw = partition_basis(n, k, l)
        flat = sympy.Matrix(raw.reshape(bell_number(k + l), -1).to(torch.int64).tolist())
        _, pivots = flat.T.rref()
        exact_basis = tuple(sympy.Matrix(n**l, n**k, list(flat.row(i))) for i in pivots)
        if len(exact_basis) != partition_count(n, k, l):
            raise SymcError(f"partition operators of S({n}) T({k})->T({l}) have an unexpected rank")
    return _Solution(basis, exact_basis, "partition", gap)


def _solve_product(
    group: ProductGroup, parts_in: tuple[Rep, ...], parts_out: tuple[Rep, ...], exact: bool, use_cache: bool
) -> _Solution:
    basis = torch.ones(1, 1, 1, dtype=torch.float64)
    exact_basis: list[sympy.Matrix] | None = None
    if exact:
        import sympy  # deferred: a 0.8 s import that only the exact route needs

        exact_basis = [sympy.ones(1, 1)]
    routes, gap = [], 0.0
    for factor, part_in, part_out in zip(group.factors, parts_in, parts_out, strict=True):
        solved = _solve(factor, part_in, part_out, exact, use_cache)
        routes.append(solved.certificate.route)
        gap = max(gap, solved.certificate.singular_gap)
        k1, k2 = basis.shape[0], solved.basis.shape[0]
        basis = torch.einsum("aij,bkl->abikjl", basis, solved.basis).reshape(
            k1 * k2, basis.shape[1] * solved.basis.shape[1], basis.shape[2] * solved.basis.shape[2]
        )
        if exact_basis is not None:
            exact_basis = [sympy.kronecker_product(x, y) for x in exact_basis for y in solved.exact_basis]
    route = "product[" + ", ".join(routes) + "]"
    return _Solution(basis, None if exact_basis is None else tuple(exact_basis), route, gap)


def _solve_generic(group: AnyGroup, rep_in: Rep, rep_out: Rep, exact: bool) -> _Solution:
    what = _describe(group, rep_in, rep_out)
    shape = (rep_out.dim, rep_in.dim)
    if exact:
        from symc.solvers.exact import float_vectors, rational_nullspace

        constraints = build_constraints(group, rep_in, rep_out, normalize=False)
        rational = rational_nullspace(constraints, what)
        vectors = float_vectors(rational, constraints.size)
        basis = _orthonormal_rows(vectors).reshape(len(rational), *shape)
        return _Solution(basis, tuple(rational), "exact-rational", 0.0)
    null = gram_nullspace(build_constraints(group, rep_in, rep_out), what)
    return _Solution(null.vectors.reshape(-1, *shape), None, null.route, null.gap)


def _solve_single(group: AnyGroup, rep_in: Rep, rep_out: Rep, exact: bool, use_cache: bool) -> _Solution:
    if is_symmetric_group(group):
        k, l = permutation_order(rep_in), permutation_order(rep_out)
        if k is not None and l is not None:
            return _solve_partition(group.matrix_size, k, l, exact)
    if isinstance(group, ProductGroup):
        split_in, split_out = split_by_factor(group, rep_in), split_by_factor(group, rep_out)
        if split_in is not None and split_out is not None:
            return _solve_product(group, split_in.parts, split_out.parts, exact, use_cache)
    return _solve_generic(group, rep_in, rep_out, exact)


def _offsets(parts: list[Rep]) -> list[int]:
    offsets, start = [], 0
    for part in parts:
        offsets.append(start)
        start += part.dim
    return offsets


def _solve_blocks(group: AnyGroup, rep_in: Rep, rep_out: Rep, exact: bool, use_cache: bool) -> _Solution:
    parts_in, parts_out = summands(rep_in), summands(rep_out)
    if len(parts_in) == 1 and len(parts_out) == 1:
        return _solve_single(group, rep_in, rep_out, exact, use_cache)
    distinct: dict[tuple[str, str], SolvedBasis] = {}
    pieces, exact_pieces = [], []
    for part_out, row in zip(parts_out, _offsets(parts_out), strict=True):
        for part_in, column in zip(parts_in, _offsets(parts_in), strict=True):
            key = (signature(part_in), signature(part_out))
            if key not in distinct:
                distinct[key] = _solve(group, part_in, part_out, exact, use_cache)
            solved = distinct[key]
            for index in range(solved.basis.shape[0]):
                element = torch.zeros(rep_out.dim, rep_in.dim, dtype=torch.float64)
                element[row : row + part_out.dim, column : column + part_in.dim] = solved.basis[index]
                pieces.append(element)
                if exact:
                    import sympy

                    rational = sympy.zeros(rep_out.dim, rep_in.dim)
                    rational[row : row + part_out.dim, column : column + part_in.dim] = solved.exact_basis[index]
                    exact_pieces.append(rational)
    basis = torch.stack(pieces) if pieces else torch.zeros(0, rep_out.dim, rep_in.dim, dtype=torch.float64)
    routes = sorted({s.certificate.route for s in distinct.values()})
    gap = max((s.certificate.singular_gap for s in distinct.values()), default=0.0)
    route = f"blocks[{len(distinct)} distinct of {len(parts_in) * len(parts_out)}: {', '.join(routes)}]"
    return _Solution(basis, tuple(exact_pieces) if exact else None, route, gap)


def _exact_record(exact_basis: tuple[sympy.Matrix, ...] | None) -> list | None:
    if exact_basis is None:
        return None
    return [[[int(x.p), int(x.q)] for x in matrix] for matrix in exact_basis]


def _exact_from_record(record: list | None, shape: tuple[int, int]) -> tuple[sympy.Matrix, ...] | None:
    if record is None:
        return None
    import sympy

    return tuple(sympy.Matrix(*shape, [sympy.Rational(int(p), int(q)) for p, q in matrix]) for matrix in record)


def _certify(group: AnyGroup, rep_in: Rep, rep_out: Rep, solution: _Solution, seconds: float) -> Certificate:
    what = _describe(group, rep_in, rep_out)
    residual = build_constraints(group, rep_in, rep_out).relative_residual(solution.basis)
    if residual > RESIDUAL_LIMIT:
        raise SymcError(
            f"the basis for {what} violates the constraints (relative residual {residual:.2e} > {RESIDUAL_LIMIT:g})",
            hint="the null space is ill-conditioned; try exact=True for a small rational problem",
        )
    predicted = predicted_dimension(group, rep_in, rep_out)
    dim = solution.basis.shape[0]
    if predicted is not None and predicted != dim:
        raise SymcError(
            f"the solver found {dim} equivariant maps for {what}, but the character inner product predicts {predicted}",
            hint="the numerical rank is unreliable for this problem; try exact=True or report it",
        )
    return Certificate(solution.route, residual, solution.gap, predicted, dim, seconds)


def _solve(group: AnyGroup, rep_in: Rep, rep_out: Rep, exact: bool, use_cache: bool) -> SolvedBasis:
    problem = cache.canonical_problem(group.name, signature(rep_in), signature(rep_out), exact)
    key = cache.cache_key(group.name, signature(rep_in), signature(rep_out), exact)
    shape = (rep_out.dim, rep_in.dim)
    if use_cache:
        entry = cache.load(key, problem)
        if entry is not None and tuple(entry.basis.shape[1:]) == shape:
            return SolvedBasis(
                entry.basis.clone(),
                Certificate.from_dict(entry.record["certificate"]),
                from_cache=True,
                exact_basis=_exact_from_record(entry.record.get("exact"), shape),
            )
    start = time.perf_counter()
    solution = _solve_blocks(group, rep_in, rep_out, exact, use_cache)
    certificate = _certify(group, rep_in, rep_out, solution, time.perf_counter() - start)
    if use_cache:
        record = {"certificate": certificate.to_dict(), "exact": _exact_record(solution.exact_basis)}
        cache.store(key, problem, solution.basis, record)
    return SolvedBasis(solution.basis, certificate, from_cache=False, exact_basis=solution.exact_basis)


def solve_equivariant_basis(
    group: AnyGroup | str | GroupSpec | GroupFactor,
    rep_in: Rep | str | RepExpr,
    rep_out: Rep | str | RepExpr,
    *,
    exact: bool = False,
    use_cache: bool = True,
) -> SolvedBasis:
    """Certified orthonormal basis ``(k, dim_out, dim_in)`` of the equivariant linear maps rep_in -> rep_out.

    ``group``: a ``symc.groups`` group or its name/IR; reps: ``symc.groups`` reps or rep text/IR.
    ``exact=True`` also returns rational matrices (``exact_basis``) for small problems with rational
    generators and raises ``SymcError`` otherwise. Raises ``SymcError`` when certification fails
    (module docstring). Routes and their costs are described in the module docstring.
    """
    resolved = _as_group(group)
    return _solve(resolved, _as_rep(rep_in, resolved), _as_rep(rep_out, resolved), exact, use_cache)


def equivariant_basis(
    group: AnyGroup | str | GroupSpec | GroupFactor,
    rep_in: Rep | str | RepExpr,
    rep_out: Rep | str | RepExpr,
    exact: bool = False,
) -> torch.Tensor:
    """Just the basis of :func:`solve_equivariant_basis`: ``(k, dim_out, dim_in)`` float64, orthonormal."""
    return solve_equivariant_basis(group, rep_in, rep_out, exact=exact).basis


def dense_constraint_nullspace(
    group: AnyGroup | str | GroupSpec | GroupFactor, rep_in: Rep | str | RepExpr, rep_out: Rep | str | RepExpr
) -> torch.Tensor:
    """Baseline for benchmarks and tests: SVD of the dense stacked ``(m·N, N)`` constraint matrix of the whole
    problem (no block, closed-form or product shortcuts). O(m N³) time, O(m N²) memory, N = dim_in · dim_out.

    Returns an orthonormal basis ``(k, dim_out, dim_in)``.
    """
    resolved = _as_group(group)
    source, target = _as_rep(rep_in, resolved), _as_rep(rep_out, resolved)
    null = dense_svd_nullspace(build_constraints(resolved, source, target), _describe(resolved, source, target))
    return null.vectors.reshape(-1, target.dim, source.dim)

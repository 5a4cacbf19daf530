"""Null spaces of intertwiner constraints: dense Gram eigen-decomposition, an iterative route, and the
stacked-SVD baseline.

All three work on the PSD Gram operator M = Σ_i F_iᵀ F_i of :class:`IntertwinerConstraints`
(or on the stacked F for the baseline) and return an orthonormal null basis ``(k, N)`` plus the
singular-value gap at the cut-off.

Cut-off (all routes): eigenvalues of M are compared with ``scale`` = Σ_i (‖L_out,i‖₂ + ‖L_in,i‖₂)², an
upper bound on its largest eigenvalue (up to the power-iteration norm estimates). λ ≤ NULL_TOL · scale is
null, λ ≥ RANGE_TOL · scale is not; anything in between is an ambiguous rank and raises :class:`SymcError`.
The reported gap is ``sqrt(max null λ / min non-null λ)`` — the ratio of the largest singular value of the constraint
treated as zero to the smallest one treated as non-zero (0 when either side is empty); it is
≤ sqrt(NULL_TOL / RANGE_TOL) = 1e-2 by construction, and typically ~1e-8.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
from tqdm import tqdm

from symc.errors import SymcError
from symc.solvers.constraints import IntertwinerConstraints, spectral_norms

NULL_TOL = 1e-11
RANGE_TOL = 1e-7
# Above this many unknowns the Gram matrix is no longer formed and the iterative route runs.
DENSE_GRAM_LIMIT = 4096


@dataclass(frozen=True)
class NullSpace:
    """An orthonormal null basis ``vectors (k, N)``, its gap (see module doc) and the route taken."""

    vectors: torch.Tensor
    gap: float
    route: str


def gram_scale(constraints: IntertwinerConstraints) -> float:
    """Bound on λ_max(M): Σ_i (‖L_out,i‖₂ + ‖L_in,i‖₂)², norms by power iteration. Cost O(m (dim_out² + dim_in²))."""
    if constraints.num_generators == 0:
        return 1.0
    norms = spectral_norms(constraints.out_actions) + spectral_norms(constraints.in_actions)
    scale = float((norms**2).sum())
    return scale if scale > 0 else 1.0


def _split_spectrum(eigenvalues: torch.Tensor, scale: float, what: str) -> tuple[int, float]:
    """Number of null eigenvalues (sorted ascending input) and the gap; raises on an ambiguous rank."""
    relative = eigenvalues / scale
    ambiguous = (relative > NULL_TOL) & (relative < RANGE_TOL)
    if bool(ambiguous.any()):
        worst = float(relative[ambiguous].min())
        raise SymcError(
            f"ambiguous rank while solving {what}: a constraint eigenvalue of {worst:.3e} (relative) lies "
            f"between the null cut-off {NULL_TOL:g} and the range cut-off {RANGE_TOL:g}",
            hint="the problem is ill-conditioned; try exact=True for a small rational problem",
        )
    null_count = int((relative <= NULL_TOL).sum())
    if null_count == 0 or null_count == eigenvalues.numel():
        return null_count, 0.0
    largest_null = float(relative[null_count - 1].clamp_min(0))
    smallest_range = float(relative[null_count])
    return null_count, (largest_null / smallest_range) ** 0.5


def dense_gram_nullspace(constraints: IntertwinerConstraints, what: str = "the constraint") -> NullSpace:
    """Null space via ``eigh`` of the assembled Gram matrix M.

    Cost O(m N² (dim_out + dim_in)) to assemble plus O(N³) for eigh; memory O(N²).
    Compare the stacked SVD baseline: O(m N³) time, O(m N²) memory.
    """
    n = constraints.size
    if constraints.num_generators == 0:
        return NullSpace(torch.eye(n, dtype=constraints.out_actions.dtype), 0.0, "trivial")
    eigenvalues, eigenvectors = torch.linalg.eigh(constraints.gram_matrix())
    null_count, gap = _split_spectrum(eigenvalues, gram_scale(constraints), what)
    return NullSpace(eigenvectors[:, :null_count].T.contiguous(), gap, "gram-eigh")


def dense_svd_nullspace(constraints: IntertwinerConstraints, what: str = "the constraint") -> NullSpace:
    """The baseline: SVD of the stacked ``(m N, N)`` constraint matrix. O(m N³) time, O(m N²) memory."""
    n = constraints.size
    matrix = constraints.dense_matrix()
    if matrix.shape[0] == 0:
        return NullSpace(torch.eye(n, dtype=matrix.dtype), 0.0, "dense-svd")
    _, singular_values, vh = torch.linalg.svd(matrix, full_matrices=True)
    eigenvalues = torch.zeros(n, dtype=matrix.dtype)
    eigenvalues[: singular_values.numel()] = singular_values**2
    order = torch.argsort(eigenvalues)
    null_count, gap = _split_spectrum(eigenvalues[order], gram_scale(constraints), what)
    return NullSpace(vh[order[:null_count]].contiguous(), gap, "dense-svd")


def _orthonormal_columns(block: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis of the column span of ``block (N, b)``, dropping numerically dependent columns."""
    u, s, _ = torch.linalg.svd(block, full_matrices=False)
    if s.numel() == 0:
        return u
    return u[:, s > 1e-10 * s[0]]


def _complement(x: torch.Tensor, block: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis of the part of ``block (N, c)`` orthogonal to the orthonormal ``x (N, b)``.

    Columns are normalised first, so tiny residuals (the ones that matter near convergence) are kept;
    two projection passes keep the result orthogonal to x to working precision.
    """
    if block.shape[1] == 0:
        return block
    for _ in range(2):
        block = block - x @ (x.T @ block)
        block = block / torch.linalg.vector_norm(block, dim=0).clamp_min(torch.finfo(block.dtype).tiny)
    u, s, _ = torch.linalg.svd(block, full_matrices=False)
    kept = u[:, s > 1e-8 * s[0]] if s.numel() else u
    return kept - x @ (x.T @ kept)


def _converged(values: torch.Tensor, residual_norms: torch.Tensor, scale: float) -> bool:
    """Near-null Ritz pairs must be tight; the others only need to be certainly away from zero."""
    near_null = values <= RANGE_TOL * scale
    tight = bool((residual_norms[near_null] <= 1e-12 * scale).all())
    separated = bool((residual_norms[~near_null] <= 0.5 * values[~near_null]).all())
    return tight and separated


def _lobpcg_smallest(
    constraints: IntertwinerConstraints,
    block_size: int,
    scale: float,
    generator: torch.Generator,
    max_iterations: int,
    progress: tqdm,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Locally optimal block preconditioner-free CG for the smallest eigenpairs of M.

    Returns Ritz values ``(b,)``, Ritz vectors ``(N, b)`` and residual norms ``(b,)``. Each iteration
    applies M to at most 3b vectors: O(3b · m · N · (dim_out + dim_in)), plus O(N b²) for the
    Rayleigh–Ritz step. M itself is never formed.
    """
    n = constraints.size
    shape = (constraints.dim_out, constraints.dim_in)

    def apply_gram(columns: torch.Tensor) -> torch.Tensor:
        images = constraints.gram_apply(columns.T.reshape(-1, *shape))
        return images.reshape(columns.shape[1], n).T

    dtype = constraints.out_actions.dtype
    x = _orthonormal_columns(torch.randn(n, block_size, dtype=dtype, generator=generator))
    previous = torch.zeros(n, 0, dtype=dtype)
    for _ in range(max_iterations):
        gx = apply_gram(x)
        ritz_small = x.T @ gx
        values, vectors = torch.linalg.eigh(0.5 * (ritz_small + ritz_small.T))
        x, gx = x @ vectors, gx @ vectors
        residuals = gx - x * values
        residual_norms = torch.linalg.vector_norm(residuals, dim=0)
        progress.update(1)
        if _converged(values, residual_norms, scale):
            return values, x, residual_norms
        span = torch.cat([x, _complement(x, torch.cat([residuals, previous], dim=1))], dim=1)
        gspan = apply_gram(span)
        ritz = span.T @ gspan
        _, vectors_all = torch.linalg.eigh(0.5 * (ritz + ritz.T))
        chosen = vectors_all[:, :block_size]
        new_x = span @ chosen
        # The search direction is the part of the update outside the old block.
        previous = new_x - x @ (x.T @ new_x)
        x = _orthonormal_columns(new_x)
    gx = apply_gram(x)
    values = torch.einsum("nb,nb->b", x, gx)
    return values, x, torch.linalg.vector_norm(gx - x * values, dim=0)


def iterative_nullspace(
    constraints: IntertwinerConstraints,
    what: str = "the constraint",
    *,
    initial_rank: int = 8,
    max_iterations: int = 2000,
    seed: int = 0,
) -> NullSpace:
    """Null space of M without forming it: block LOBPCG with rank doubling (EMLP's idea).

    Starts with a block of ``2·r + 4`` vectors for a null-space guess r; if every Ritz value in the block
    is null, r doubles and the solve restarts. The block is accepted once every vector has converged
    (residual ≤ 1e-12 · scale) and the spectrum splits cleanly. Cost per iteration
    O(b · m · N · (dim_out + dim_in) + N b²) with b the block size; memory O(N b).
    """
    n = constraints.size
    scale = gram_scale(constraints)
    generator = torch.Generator().manual_seed(seed)
    rank_guess = initial_rank
    with tqdm(desc=f"solving {what}", unit="it", disable=not sys.stderr.isatty(), leave=False) as progress:
        while True:
            block_size = min(n, 2 * rank_guess + 4)
            values, vectors, residuals = _lobpcg_smallest(
                constraints, block_size, scale, generator, max_iterations, progress
            )
            if not _converged(values, residuals, scale):
                raise SymcError(
                    f"the iterative null-space solve of {what} did not converge "
                    f"(largest residual {float(residuals.max() / scale):.2e} relative)",
                    hint="the spectrum near zero is badly separated; a smaller problem can use the dense route",
                )
            null_count, gap = _split_spectrum(values, scale, what)
            if null_count < block_size or block_size == n:
                return NullSpace(vectors[:, :null_count].T.contiguous(), gap, "gram-lobpcg")
            rank_guess *= 2


def gram_nullspace(
    constraints: IntertwinerConstraints, what: str = "the constraint", *, dense_limit: int = DENSE_GRAM_LIMIT
) -> NullSpace:
    """Dense Gram eigh for N ≤ ``dense_limit``, the iterative route above it."""
    if constraints.size <= dense_limit or constraints.num_generators == 0:
        return dense_gram_nullspace(constraints, what)
    return iterative_nullspace(constraints, what)

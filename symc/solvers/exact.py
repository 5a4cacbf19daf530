"""Exact rational null spaces through sympy, for small problems with rational generators.

The generator matrices arrive as float64; each entry must be within ROUNDING of a fraction with
denominator ≤ MAX_DENOMINATOR (integer generators of S(n), O(d), GL+, SL, Lorentz and Sp are; rotations
by 2π/3 or Wigner matrices with l ≥ 2 are not), otherwise the problem is refused. The stacked
``(m·N, N)`` rational constraint matrix is reduced over QQ (sympy ``DomainMatrix``, fraction-free
arithmetic), so the cost is O(m N³) exact operations: only small N is accepted.
"""

from __future__ import annotations

from fractions import Fraction

import sympy
import torch
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from symc.errors import SymcError
from symc.solvers.constraints import IntertwinerConstraints

MAX_EXACT_UNKNOWNS = 1024
MAX_DENOMINATOR = 1000
ROUNDING = 1e-12


def _rational(value: float, what: str) -> Fraction:
    fraction = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if abs(float(fraction) - value) > ROUNDING:
        raise SymcError(
            f"exact=True needs rational generators, but {what} has the entry {value!r}",
            hint="irrational representations (e.g. rotations by 2π/k with k not in 1, 2, 4, or irreps l ≥ 2) "
            "are solved numerically: use exact=False",
        )
    return fraction


def _to_domain(matrix: torch.Tensor, what: str) -> DomainMatrix:
    rows = [[QQ(*_ratio(_rational(float(x), what))) for x in row] for row in matrix.tolist()]
    return DomainMatrix(rows, tuple(matrix.shape), QQ)


def _ratio(fraction: Fraction) -> tuple[int, int]:
    return fraction.numerator, fraction.denominator


def rational_nullspace(constraints: IntertwinerConstraints, what: str = "the constraint") -> list[sympy.Matrix]:
    """Rational basis of {W : L_out W = W L_in for every generator}, as ``(dim_out, dim_in)`` sympy matrices.

    The basis is the reduced-row-echelon null basis (one free variable per element), not orthonormal.
    Raises ``SymcError`` when N exceeds MAX_EXACT_UNKNOWNS or an entry is not rational.
    """
    n = constraints.size
    if n > MAX_EXACT_UNKNOWNS:
        raise SymcError(
            f"exact=True is limited to {MAX_EXACT_UNKNOWNS} unknowns; {what} has {n} "
            f"({constraints.dim_out} x {constraints.dim_in})",
            hint="rational elimination costs O(N³) exact operations; use exact=False for larger problems",
        )
    if constraints.num_generators == 0:
        null_vectors = [[QQ(int(i == j)) for i in range(n)] for j in range(n)]
    else:
        stacked = _to_domain(constraints.dense_matrix(), what)
        null_vectors = stacked.nullspace().to_Matrix().tolist()
    return [
        sympy.Matrix(constraints.dim_out, constraints.dim_in, [sympy.Rational(x) for x in row]) for row in null_vectors
    ]


def float_vectors(exact_basis: list[sympy.Matrix], size: int) -> torch.Tensor:
    """The rational basis as float64 ``(k, size)`` rows (row-major flattening of each matrix)."""
    if not exact_basis:
        return torch.zeros(0, size, dtype=torch.float64)
    return torch.tensor([[float(x) for x in m] for m in exact_basis], dtype=torch.float64)

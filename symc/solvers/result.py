"""What a basis solve returns: the basis and the certificate that vouches for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    import sympy


@dataclass(frozen=True)
class Certificate:
    """Evidence that a basis is right.

    - ``route``: the algorithm, e.g. ``"gram-eigh"``, ``"partition"``, ``"blocks[...]"``, ``"product[...]"``.
    - ``residual``: max over generators and basis elements of ‖L_out B − B L_in‖ / ((‖L_out‖₂ + ‖L_in‖₂)‖B‖)
      where (L_out, L_in) is (ρ_out(h), ρ_in(h)) for discrete and (dρ_out(A), dρ_in(A)) for Lie generators.
    - ``singular_gap``: largest singular value of the constraint treated as zero divided by the smallest one
      treated as non-zero, at the null-space cut-off (0 when one side is empty); small is good.
      Closed forms report the same ratio for their own rank reduction.
    - ``predicted_dim``: the dimension from the character inner product (compact groups), else None.
    - ``dim``: the number of basis elements; ``seconds``: wall time of the solve (not of a cache read).
    """

    route: str
    residual: float
    singular_gap: float
    predicted_dim: int | None
    dim: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Certificate:
        predicted = data["predicted_dim"]
        return cls(
            route=str(data["route"]),
            residual=float(data["residual"]),
            singular_gap=float(data["singular_gap"]),
            predicted_dim=None if predicted is None else int(predicted),
            dim=int(data["dim"]),
            seconds=float(data["seconds"]),
        )

    def __str__(self) -> str:
        predicted = "n/a (non-compact)" if self.predicted_dim is None else str(self.predicted_dim)
        return (
            f"dim {self.dim} (predicted {predicted}), route {self.route}, residual {self.residual:.1e}, "
            f"gap {self.singular_gap:.1e}, {self.seconds * 1e3:.1f} ms"
        )


@dataclass(frozen=True)
class SolvedBasis:
    """``basis (k, dim_out, dim_in)`` float64, orthonormal in the Frobenius inner product.

    ``exact_basis`` (only for ``exact=True``) holds k rational ``sympy.Matrix`` of shape (dim_out, dim_in)
    spanning the same space; they are not orthonormal (orthonormalising would bring in square roots).
    """

    basis: torch.Tensor
    certificate: Certificate
    from_cache: bool = False
    exact_basis: tuple[sympy.Matrix, ...] | None = None

    @property
    def dim(self) -> int:
        return self.basis.shape[0]

    def cached(self) -> SolvedBasis:
        return replace(self, from_cache=True)

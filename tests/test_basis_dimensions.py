"""Known dimensions of equivariant-map spaces, with equivariance checked on sampled group elements."""

from __future__ import annotations

import pytest
import torch

from symc.groups import group as make_group
from symc.groups.reps import rep as make_rep
from symc.solvers import solve_equivariant_basis


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMC_CACHE_DIR", str(tmp_path / "cache"))


CASES = [
    # S(n) (Maron et al.): Bell(k+l) for n >= k+l, partitions with <= n blocks below.
    ("S(4)", "T(1)", "T(1)", 2),
    ("S(4)", "T(2)", "T(2)", 15),
    ("S(2)", "T(2)", "T(2)", 8),
    ("S(3)", "T(2)", "T(2)", 14),
    ("S(3)", "T(2)", "T(1)", 5),
    # Orthogonal groups.
    ("O(3)", "T(2)", "T(0)", 1),
    ("SO(3)", "T(2)", "T(0)", 1),
    ("O(3)", "T(3)", "T(0)", 0),
    ("SO(3)", "T(3)", "T(0)", 1),
    ("O(3)", "T(2)", "T(2)", 3),
    ("SO(3)", "T(2)", "T(2)", 3),
    ("SO(3)", "T(4)", "T(0)", 3),
    ("O(3)", "T(1)", "T(2)", 0),
    ("SO(3)", "T(1)", "T(2)", 1),
    ("O(5)", "T(2)", "T(0)", 1),
    ("SO(2)", "T(2)", "T(0)", 2),
    # Non-compact groups: Schur–Weyl and invariant forms.
    ("GL+(3)", "T(1,1)", "T(1,1)", 2),
    ("GL+(3)", "T(2)", "T(2)", 2),
    ("SL(3)", "T(3)", "T(0)", 1),
    ("SO+(1,3)", "T(2)", "T(0)", 1),
    ("SO+(1,3)", "T(4)", "T(0)", 4),
    ("Sp(4)", "T(2)", "T(0)", 1),
    # Finite planar groups: C(4) commutes with rotations by 90° (a, b; -b, a), D(4) only with scalars.
    ("C(4)", "T(1)", "T(1)", 2),
    ("D(4)", "T(1)", "T(1)", 1),
    ("C(3)", "T(2)", "T(0)", 2),
    ("D(3)", "T(2)", "T(0)", 1),
    # O(3) irreps: Schur, parity, the cross product, block counting (2·3 scalar maps + 1·2 vector maps).
    ("O(3)", "1o", "1o", 1),
    ("O(3)", "1o", "1e", 0),
    ("O(3)", "1o * 1o", "1e", 1),
    ("O(3)", "2x0e + 1o", "3x0e + 2x1o", 8),
    ("SO(3)", "2e", "2e", 1),
    # Products: the S(n) factor acts trivially on these features.
    ("SO(3) x S(4)", "T(1)", "T(1)", 1),
    # Affine: translations do not move vectors, so E(3) behaves like O(3) on T(k).
    ("E(3)", "T(2)", "T(0)", 1),
]


def _inverse(g):
    return tuple(torch.linalg.inv(x) for x in g) if isinstance(g, tuple) else torch.linalg.inv(g)


@pytest.mark.parametrize("group_name, rep_in, rep_out, expected", CASES)
def test_dimension_equivariance_and_orthonormality(group_name: str, rep_in: str, rep_out: str, expected: int) -> None:
    group = make_group(group_name)
    source, target = make_rep(rep_in, group), make_rep(rep_out, group)
    solved = solve_equivariant_basis(group, source, target)
    basis = solved.basis
    assert basis.dtype == torch.float64
    assert basis.shape == (expected, target.dim, source.dim)
    assert solved.certificate.dim == expected
    if solved.certificate.predicted_dim is not None:
        assert solved.certificate.predicted_dim == expected
    flat = basis.reshape(expected, target.dim * source.dim)
    assert torch.allclose(flat @ flat.T, torch.eye(expected, dtype=torch.float64), atol=1e-10)
    if expected == 0:
        return
    g = group.sample(6, generator=torch.Generator().manual_seed(7))
    moved = target.rho(g)[:, None] @ basis[None] @ source.rho(_inverse(g))[:, None]
    scale = (
        1.0 + torch.linalg.matrix_norm(target.rho(g)).max() * torch.linalg.matrix_norm(source.rho(_inverse(g))).max()
    )
    assert float((moved - basis[None]).abs().max()) <= 1e-9 * float(scale)


def test_compact_groups_predict_and_noncompact_do_not() -> None:
    assert solve_equivariant_basis("O(3)", "T(2)", "T(2)").certificate.predicted_dim == 3
    assert solve_equivariant_basis("GL+(3)", "T(2)", "T(2)").certificate.predicted_dim is None


def test_cross_product_is_the_levi_civita_tensor() -> None:
    basis = solve_equivariant_basis("O(3)", "1o * 1o", "1e").basis[0]
    levi_civita = torch.zeros(3, 3, 3, dtype=torch.float64)
    for (i, j, k), sign in {
        (0, 1, 2): 1,
        (1, 2, 0): 1,
        (2, 0, 1): 1,
        (0, 2, 1): -1,
        (2, 1, 0): -1,
        (1, 0, 2): -1,
    }.items():
        levi_civita[i, j, k] = sign
    target = levi_civita.reshape(3, 9) / 6**0.5
    assert min(float((basis - target).abs().max()), float((basis + target).abs().max())) < 1e-10

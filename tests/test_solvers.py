"""Solver routes, certificates, character predictions and the exact rational route."""

from __future__ import annotations

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.groups import group as make_group
from symc.groups.reps import rep as make_rep
from symc.solvers import (
    build_constraints,
    dense_constraint_nullspace,
    equivariant,
    equivariant_basis,
    solve_equivariant_basis,
)
from symc.solvers.characters import predicted_dimension
from symc.solvers.constraints import IntertwinerConstraints
from symc.solvers.nullspace import dense_gram_nullspace, dense_svd_nullspace, iterative_nullspace
from symc.solvers.quadrature import orthogonal_quadrature, special_orthogonal_quadrature


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMC_CACHE_DIR", str(tmp_path / "cache"))


def _projector(basis: torch.Tensor) -> torch.Tensor:
    flat = basis.reshape(basis.shape[0], -1)
    return flat.T @ flat


def _constraints(group_name: str, rep_in: str, rep_out: str) -> IntertwinerConstraints:
    group = make_group(group_name)
    return build_constraints(group, make_rep(rep_in, group), make_rep(rep_out, group))


@pytest.mark.parametrize(
    "group_name, rep_in, rep_out",
    [("O(3)", "T(1)", "T(2)"), ("SO+(1,3)", "T(1)", "T(1)"), ("GL+(2)", "T(1,1)", "T(1,1)")],
)
def test_gram_lobpcg_and_dense_svd_find_the_same_space(group_name: str, rep_in: str, rep_out: str) -> None:
    constraints = _constraints(group_name, rep_in, rep_out)
    routes = [dense_gram_nullspace(constraints), iterative_nullspace(constraints), dense_svd_nullspace(constraints)]
    projectors = [r.vectors.T @ r.vectors for r in routes]
    assert [r.route for r in routes] == ["gram-eigh", "gram-lobpcg", "dense-svd"]
    for projector in projectors[1:]:
        assert torch.allclose(projector, projectors[0], atol=1e-9)


def test_gram_operator_is_the_normal_matrix_of_the_stacked_constraints() -> None:
    constraints = _constraints("SL(2)", "T(1,1)", "T(2)")
    stacked = constraints.dense_matrix()
    assert torch.allclose(constraints.gram_matrix(chunk=5), stacked.T @ stacked, atol=1e-12)


def test_large_problems_take_the_iterative_route(monkeypatch) -> None:
    monkeypatch.setattr(equivariant, "gram_nullspace", _forced_iterative)
    solved = solve_equivariant_basis("SO(3)", "T(1)", "T(2)", use_cache=False)
    assert solved.certificate.route == "gram-lobpcg"
    assert solved.basis.shape[0] == 1
    assert solved.certificate.residual < 1e-9


def _forced_iterative(constraints, what="", **_):
    return iterative_nullspace(constraints, what, initial_rank=1)


@pytest.mark.parametrize(
    "group_name, rep_in, rep_out",
    [("O(3)", "2x0e + 1o", "3x0e + 2x1o"), ("SO(3) x S(3)", "T(1)", "T(2)"), ("S(3)", "T(1) + T(0)", "T(2)")],
)
def test_shortcut_routes_span_the_dense_baseline(group_name: str, rep_in: str, rep_out: str) -> None:
    solved = solve_equivariant_basis(group_name, rep_in, rep_out)
    baseline = dense_constraint_nullspace(group_name, rep_in, rep_out)
    assert solved.basis.shape == baseline.shape
    assert torch.allclose(_projector(solved.basis), _projector(baseline), atol=1e-9)
    assert solved.certificate.route.split("[")[0] in ("blocks", "product")


def test_block_route_solves_each_distinct_pair_once() -> None:
    solved = solve_equivariant_basis("O(3)", "3x1o", "2x1o + 0e")
    assert solved.certificate.route.startswith("blocks[2 distinct of 9")
    assert solved.basis.shape == (6, 7, 9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), name=st.sampled_from(["O(3)", "SO(3)", "D(6)", "S(4)"]))
def test_random_elements_fix_every_basis_element(seed: int, name: str) -> None:
    group = make_group(name)
    rep_in, rep_out = make_rep("T(2)", group), make_rep("T(1) + T(0)", group)
    basis = equivariant_basis(group, rep_in, rep_out)
    g = group.sample(3, generator=torch.Generator().manual_seed(seed))
    moved = rep_out.rho(g)[:, None] @ basis[None] @ torch.linalg.inv(rep_in.rho(g))[:, None]
    assert torch.allclose(moved, basis[None].expand_as(moved), atol=1e-10)


def test_certificate_fields() -> None:
    certificate = solve_equivariant_basis("SO(3)", "T(2)", "T(2)").certificate
    assert certificate.route == "gram-eigh"
    assert certificate.dim == certificate.predicted_dim == 3
    assert 0 <= certificate.residual < 1e-12
    assert 0 <= certificate.singular_gap < 1e-4
    assert certificate.seconds > 0
    assert "predicted 3" in str(certificate)


def test_predicted_dimension_mismatch_is_an_error(monkeypatch) -> None:
    monkeypatch.setattr(equivariant, "predicted_dimension", lambda *args: 4)
    with pytest.raises(SymcError, match="predicts 4"):
        solve_equivariant_basis("SO(3)", "T(2)", "T(2)", use_cache=False)


def test_ambiguous_rank_is_an_error() -> None:
    tiny = 1e-5
    out_actions = torch.tensor([[[1.0, 0.0], [0.0, 1.0 + tiny]]], dtype=torch.float64)
    in_actions = torch.eye(1, dtype=torch.float64)[None]
    with pytest.raises(SymcError, match="ambiguous rank"):
        dense_gram_nullspace(IntertwinerConstraints(out_actions, in_actions))


@pytest.mark.parametrize("d, row", [(2, 6), (3, 3), (4, 4), (5, 3), (6, 3)])
def test_special_orthogonal_invariants_of_order_four(d: int, row: int) -> None:
    quadrature = special_orthogonal_quadrature(d, 16)
    traces = torch.diagonal(quadrature.elements, dim1=-2, dim2=-1).sum(-1)
    assert float((quadrature.weights * traces**4).sum()) == pytest.approx(row, abs=1e-9)


def test_orthogonal_quadrature_kills_odd_tensors_and_keeps_even_ones() -> None:
    for d in (2, 3, 4, 5):
        quadrature = orthogonal_quadrature(d, 12)
        traces = torch.diagonal(quadrature.elements, dim1=-2, dim2=-1).sum(-1)
        assert float((quadrature.weights * traces**3).sum()) == pytest.approx(0, abs=1e-9)
        assert float((quadrature.weights * traces**2).sum()) == pytest.approx(1, abs=1e-9)


@pytest.mark.parametrize(
    "group_name, rep_in, rep_out, expected",
    [("SO(3)", "1o * 2e", "1o + 2e + 3o", 3), ("O(3)", "1o * 1o", "0e + 1e + 2e", 3), ("SO(5)", "T(5)", "T(0)", 1)],
)
def test_predicted_dimensions_from_characters(group_name: str, rep_in: str, rep_out: str, expected: int) -> None:
    group = make_group(group_name)
    assert predicted_dimension(group, make_rep(rep_in, group), make_rep(rep_out, group)) == expected


def test_exact_levi_civita() -> None:
    solved = solve_equivariant_basis("SO(3)", "T(3)", "T(0)", exact=True)
    (tensor,) = solved.exact_basis
    assert all(isinstance(x, sympy.Rational) for x in tensor)
    assert sorted(set(tensor)) == [-1, 0, 1] or sorted(set(-tensor)) == [-1, 0, 1]
    scaled = torch.tensor([float(x) for x in tensor], dtype=torch.float64) / 6**0.5
    assert torch.allclose(solved.basis.reshape(-1).abs(), scaled.abs(), atol=1e-12)
    assert solved.certificate.route == "exact-rational"


@pytest.mark.parametrize(
    "group_name, rep_in, rep_out, count",
    [
        ("GL+(3)", "T(2)", "T(2)", 2),
        ("S(2)", "T(2)", "T(2)", 8),
        ("O(3) x S(3)", "T(1)", "T(1)", 1),
        ("O(3)", "2x1o", "1o", 2),
    ],
)
def test_exact_bases_are_rational_and_equivariant(group_name: str, rep_in: str, rep_out: str, count: int) -> None:
    group = make_group(group_name)
    source, target = make_rep(rep_in, group), make_rep(rep_out, group)
    solved = solve_equivariant_basis(group, source, target, exact=True)
    assert len(solved.exact_basis) == count == solved.basis.shape[0]
    constraints = build_constraints(group, source, target)
    exact = torch.tensor([[float(x) for x in m] for m in solved.exact_basis], dtype=torch.float64)
    assert constraints.relative_residual(exact.reshape(count, target.dim, source.dim)) < 1e-14
    exact_span, _ = torch.linalg.qr(exact.T)
    assert torch.allclose(_projector(solved.basis), exact_span @ exact_span.T, atol=1e-12)


@pytest.mark.parametrize(
    "group_name, rep_in, rep_out, message",
    [("C(3)", "T(1)", "T(1)", "rational"), ("SO(3)", "2e", "2e", "rational"), ("SO(3)", "T(3)", "T(4)", "limited")],
)
def test_exact_refuses_what_it_cannot_do(group_name: str, rep_in: str, rep_out: str, message: str) -> None:
    with pytest.raises(SymcError, match=message):
        solve_equivariant_basis(group_name, rep_in, rep_out, exact=True)

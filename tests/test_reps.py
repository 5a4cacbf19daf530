"""Representations: homomorphism, Lie-algebra consistency, Kronecker/dual conventions, structured products."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.frontend import parse_rep as parse_rep_text
from symc.groups import (
    DirectSum,
    Dual,
    FactorRep,
    O3Irrep,
    PointRep,
    TensorProductRep,
    expm,
    group,
    lie_algebra_basis,
    rep,
)
from symc.ir import DualRep, Irrep, MultipleRep, ProductRep, SumRep, TensorRep

CASES = [
    ("GL+(3)", "T(1,1)"),
    ("GL+(3)", "T(2,1)"),
    ("GL+(3)", "dual(T(1)) * T(1)"),
    ("GL+(3)", "3T(1) + T(0) + dual(T(2))"),
    ("SL(3)", "T(2) + T(0,1)"),
    ("SO(3)", "T(3)"),
    ("SO(3)", "2x0e + 1x1o + 1x2e"),
    ("SO(3)", "1o * 2e"),
    ("O(3)", "0o + 1e + 2o + 3e"),
    ("O(3)", "(1o + 0e) * T(1)"),
    ("E(3)", "point + 1o + frame"),
    ("SE(3)", "dual(2e) + orientation"),
    ("Aff+(2)", "T(1,1) + point"),
    ("T(3)", "T(1) + point"),
    ("SO+(1,3)", "T(1,1)"),
    ("SO+(1,3)", "T(2)"),
    ("Sp(4)", "T(1) * dual(T(1))"),
    ("S(5)", "T(2)"),
    ("D(4)", "T(1,1)"),
    ("C(5)", "T(2)"),
    ("SO(3) x S(4)", "1o + T(1)"),
    ("E(3) x S(5)", "point + 0e"),
]


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def compose(a, b):
    return tuple(x @ y for x, y in zip(a, b, strict=True)) if isinstance(a, tuple) else a @ b


def assert_close_relative(actual: torch.Tensor, expected: torch.Tensor, tol: float = 1e-11) -> None:
    scale = max(1.0, float(expected.abs().max()))
    assert float((actual - expected).abs().max()) <= tol * scale


def random_algebra(g, seed: int, scale: float = 0.4):
    """One random Lie-algebra element (batch 1) in the form ``drho`` accepts, or None for finite groups."""
    basis = lie_algebra_basis(g)
    first = basis[0] if isinstance(basis, tuple) else basis
    if first.shape[0] == 0:
        return None
    coefficients = torch.randn(first.shape[0], generator=seeded(seed), dtype=torch.float64) * scale
    if isinstance(basis, tuple):
        return tuple(torch.einsum("r,rij->ij", coefficients, b)[None] for b in basis)
    return torch.einsum("r,rij->ij", coefficients, basis)[None]


@pytest.mark.parametrize(("group_name", "text"), CASES)
def test_rho_is_a_homomorphism(group_name: str, text: str) -> None:
    g = group(group_name)
    r = rep(text, g)
    g1, g2 = g.sample(4, generator=seeded(1)), g.sample(4, generator=seeded(2))
    assert_close_relative(r(compose(g1, g2)), r(g1) @ r(g2))
    identity = r(g.identity(2))
    torch.testing.assert_close(identity, torch.eye(r.dim, dtype=torch.float64).expand(2, -1, -1), atol=1e-13, rtol=0)


LIE_CASES = [(name, text) for name, text in CASES if name not in ("S(5)", "D(4)", "C(5)")]


@pytest.mark.parametrize(("group_name", "text"), LIE_CASES)
def test_drho_exponentiates_to_rho(group_name: str, text: str) -> None:
    g = group(group_name)
    r = rep(text, g)
    a = random_algebra(g, seed=3)
    exp_a = tuple(expm(x) for x in a) if isinstance(a, tuple) else expm(a)
    assert_close_relative(r(exp_a), expm(r.drho(a)), tol=1e-12)


@pytest.mark.parametrize(("group_name", "text"), CASES)
def test_structured_products_match_dense(group_name: str, text: str) -> None:
    g = group(group_name)
    r = rep(text, g)
    elements = g.sample(3, generator=seeded(4))
    x = torch.randn(3, r.dim, 2, generator=seeded(5), dtype=torch.float64)
    assert_close_relative(r.rho_apply(elements, x), r(elements) @ x)
    a = random_algebra(g, seed=6)
    if a is not None:
        y = x[:1]
        assert_close_relative(r.drho_apply(a, y), r.drho(a) @ y)


def test_kronecker_flattening_is_row_major_with_vectors_first() -> None:
    g = group("GL+(3)")
    elements = g.sample(2, generator=seeded(7))
    x = torch.randn(2, 3, 3, generator=seeded(8), dtype=torch.float64)
    flat = x.reshape(2, 9, 1)
    # T(2): X ↦ g X gᵀ ; T(1,1): X ↦ g X g⁻¹ (the dual index carries g^{-T}).
    t2 = torch.einsum("bij,bjk,blk->bil", elements, x, elements)
    torch.testing.assert_close(rep("T(2)", g)(elements) @ flat, t2.reshape(2, 9, 1))
    t11 = elements @ x @ torch.linalg.inv(elements)
    torch.testing.assert_close(rep("T(1,1)", g)(elements) @ flat, t11.reshape(2, 9, 1))
    dense = torch.einsum("bij,bkl->bikjl", elements, torch.linalg.inv(elements).mT).reshape(2, 9, 9)
    torch.testing.assert_close(rep("T(1,1)", g)(elements), dense)


def test_dual_is_inverse_transpose_and_negative_transpose() -> None:
    g = group("SL(3)")
    elements = g.sample(3, generator=seeded(9))
    r = rep("dual(T(1))", g)
    assert isinstance(r, Dual)
    torch.testing.assert_close(r(elements), torch.linalg.inv(elements).mT)
    a = random_algebra(g, seed=10)
    torch.testing.assert_close(r.drho(a), -a.mT)
    torch.testing.assert_close(rep("dual(dual(T(2)))", g)(elements), rep("T(2)", g)(elements))
    torch.testing.assert_close(rep("T(0,1)", g)(elements), r(elements))


def test_irreps_are_orthogonal_self_dual_and_respect_parity() -> None:
    g = group("O(3)")
    elements = g.sample(8, generator=seeded(11))
    dets = torch.linalg.det(elements)
    for l in range(4):
        odd, even = rep(f"{l}o", g), rep(f"{l}e", g)
        assert isinstance(odd, O3Irrep)
        torch.testing.assert_close(
            odd(elements) @ odd(elements).mT, torch.eye(2 * l + 1, dtype=torch.float64).expand(8, -1, -1)
        )
        torch.testing.assert_close(odd(elements), even(elements) * dets[:, None, None])
        torch.testing.assert_close(rep(f"dual({l}e)", g)(elements), even(elements))
    minus = -torch.eye(3, dtype=torch.float64)[None]
    assert float(rep("1o", g)(minus)[0, 0, 0]) == pytest.approx(-1.0)
    assert float(rep("1e", g)(minus)[0, 0, 0]) == pytest.approx(1.0)
    torch.testing.assert_close(rep("1o", g)(elements), elements)


def test_point_rep_is_homogeneous_and_product_group_rep_picks_geometric_factor() -> None:
    e3 = group("E(3)")
    point = rep("point", e3)
    assert isinstance(point, PointRep) and point.dim == 4
    product = group("SO(3) x S(4)")
    r = rep("T(1)", product)
    assert isinstance(r, FactorRep) and r.index == 0 and r.dim == 3
    elements = product.sample(2, generator=seeded())
    torch.testing.assert_close(r(elements), elements[0])
    permutation = rep("T(1)", group("S(4)"))
    s4 = group("S(4)").sample(2, generator=seeded())
    torch.testing.assert_close(permutation(s4), s4)


def test_structure_is_visible_to_solvers() -> None:
    g = group("GL+(3)")
    r = rep("T(1,1)", g)
    assert isinstance(r, TensorProductRep) and [str(f) for f in r.factors] == ["T(1)", "T(0,1)"]
    s = rep("3xT(1) + T(0)", g)
    assert isinstance(s, DirectSum) and [t.dim for t in s.terms] == [9, 1]
    assert s.terms[0].dim == 9 and len(s.terms[0].terms) == 3


def test_text_equality_and_hash() -> None:
    g = group("SO(3)")
    assert str(rep("2x0e+1x1o", g)) == "2x0e + 1x1o"
    assert rep("T(1) * T(1)", g) == rep(ProductRep((TensorRep(1), TensorRep(1))), g)
    assert rep("T(2)", g) != rep("T(2)", group("O(3)"))
    assert len({rep("T(2)", g), rep("T(2)", g), rep("T(1)", g)}) == 2


def test_is_trivial() -> None:
    assert rep("T(0)", group("GL+(3)")).is_trivial
    assert rep("2x0e", group("O(3)")).is_trivial
    assert rep("0o", group("SO(3)")).is_trivial
    assert not rep("0o", group("O(3)")).is_trivial
    assert rep("T(1)", group("T(3)")).is_trivial
    assert not rep("T(1)", group("SE(3)")).is_trivial
    assert not rep("T(1,1)", group("GL+(2)")).is_trivial


@pytest.mark.parametrize(
    ("group_name", "text", "message"),
    [
        ("GL+(3)", "2o", "exist only for O(3)/SO(3)/E(3)/SE(3)"),
        ("SO(4)", "1o", "exist only"),
        ("SO(3)", "T(20)", "dimension"),
        ("SO(3)", "T(1000000000)", "dimension"),
        ("SO(3)", "100000000x0e", "out of range"),
        ("SO(3)", "5000x5000x0e", "dimension"),
        ("S(5)", "point", "geometric group"),
        ("SO(3) x SO(2)", "T(1)", "at most one geometric factor"),
        ("SO(3)", "T(1", "expected ')'"),
        ("SO(3)", "pont", "unknown representation 'pont'"),
        ("SO(3)", "0xT(1)", "out of range"),
    ],
)
def test_bad_reps_raise(group_name: str, text: str, message: str) -> None:
    with pytest.raises(SymcError) as info:
        rep(text, group_name)
    assert message in str(info.value) and info.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T(1,1)", TensorRep(1, 1)),
        ("3T(1)", MultipleRep(3, TensorRep(1))),
        ("3xT(1)", MultipleRep(3, TensorRep(1))),
        ("2x0e + 1x1o", SumRep((MultipleRep(2, Irrep(0, 1)), MultipleRep(1, Irrep(1, -1))))),
        ("T(1) * T(1)", ProductRep((TensorRep(1), TensorRep(1)))),
        ("T(1) ⊗ T(1)", ProductRep((TensorRep(1), TensorRep(1)))),
        ("dual(T(1))", DualRep(TensorRep(1))),
        ("T(2) + T(0)", SumRep((TensorRep(2), TensorRep(0)))),
        ("(T(1) + T(0)) * 10e", ProductRep((SumRep((TensorRep(1), TensorRep(0))), Irrep(10, 1)))),
    ],
)
def test_rep_text_reader(text: str, expected) -> None:
    parsed = parse_rep_text(text)
    assert parsed == expected
    assert parse_rep_text(str(parsed)) == parsed


@settings(max_examples=25, deadline=None)
@given(
    terms=st.lists(
        st.sampled_from(["T(0)", "T(1)", "T(0,1)", "T(1,1)", "dual(T(2))", "2xT(1)", "T(1) * dual(T(1))"]),
        min_size=1,
        max_size=3,
    ),
    as_product=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_composite_reps_on_gl3(terms: list[str], as_product: bool, seed: int) -> None:
    text = " * ".join(f"({t})" for t in terms[:2]) if as_product else " + ".join(terms)
    g = group("GL+(3)")
    r = rep(text, g)
    g1, g2 = g.sample(2, generator=seeded(seed)), g.sample(2, generator=seeded(seed + 1))
    assert_close_relative(r(g1 @ g2), r(g1) @ r(g2), tol=1e-10)
    x = torch.randn(2, r.dim, 1, generator=seeded(seed), dtype=torch.float64)
    assert_close_relative(r.rho_apply(g1, x), r(g1) @ x, tol=1e-12)
    a = random_algebra(g, seed)
    assert_close_relative(r(expm(a)), expm(r.drho(a)), tol=1e-11)
    assert_close_relative(r.drho_apply(a, x[:1]), r.drho(a) @ x[:1], tol=1e-12)


@pytest.mark.parametrize(
    ("group_name", "text", "field_dim", "matrix_dim"),
    [
        ("E(3)", "point", 3, 4),
        ("SE(2)", "point + T(1)", 4, 5),
        ("T(3)", "2x point + T(1)", 9, 11),
        ("Aff+(2)", "point + T(1,1)", 6, 7),
        ("E(3)", "point + frame + orientation", 15, 16),
        ("SO(3)", "T(2) + 2x1o", 15, 15),
    ],
)
def test_one_rep_dim_counts_points_as_fields_and_as_matrices(
    group_name: str, text: str, field_dim: int, matrix_dim: int
) -> None:
    """``symc.ir.dims.rep_dim`` is the only dimension function: a point has d field entries, d+1 matrix rows."""
    import symc
    from symc.frontend import parse_group, parse_rep
    from symc.groups import field_shape
    from symc.ir import FieldSpec
    from symc.ir.dims import rep_dim

    (factor,) = parse_group(group_name).factors
    expr = parse_rep(text)
    assert rep_dim(expr, factor) == field_dim == field_shape(parse_group(group_name), FieldSpec("f", expr, 0))[-1]
    assert rep_dim(expr, factor, homogeneous=True) == matrix_dim == symc.rep(text, group_name).dim
    assert not hasattr(symc.groups, "rep_dim")

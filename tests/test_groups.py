"""Group catalogue: group conditions for every family, generators, sampling, names and errors."""

from __future__ import annotations

import math
import re

import pytest
import torch

from symc.errors import SymcError
from symc.groups import MatrixGroup, ProductGroup, generator_elements, group, lie_algebra_basis
from symc.groups.algebras import expm, symplectic_form
from symc.ir import GroupFactor, GroupSpec

ATOL = 1e-12


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def eye(size: int, batch: int) -> torch.Tensor:
    return torch.eye(size, dtype=torch.float64).expand(batch, size, size)


def minkowski(size: int) -> torch.Tensor:
    return torch.diag(torch.tensor([1.0] + [-1.0] * (size - 1), dtype=torch.float64))


def check_linear_condition(family: str, a: torch.Tensor) -> None:
    """Assert that the linear parts ``a (batch, d, d)`` lie in the named linear group."""
    batch, d, _ = a.shape
    det = torch.linalg.det(a)
    if family in ("SO", "O", "C", "D", "S", "SE", "E"):
        torch.testing.assert_close(a @ a.mT, eye(d, batch), atol=ATOL, rtol=0)
        measured = det.abs() if family in ("O", "D", "S", "E") else det
        torch.testing.assert_close(measured, torch.ones_like(det), atol=ATOL, rtol=0)
    elif family in ("GL+", "Aff+"):
        assert torch.all(det > 0)
    elif family == "SL":
        torch.testing.assert_close(det, torch.ones_like(det), atol=ATOL, rtol=0)
    elif family == "SO+":
        eta = minkowski(d)
        torch.testing.assert_close(a.mT @ eta @ a, eta.expand(batch, d, d), atol=1e-10, rtol=1e-12)
        assert torch.all(a[:, 0, 0] >= 1.0)
        torch.testing.assert_close(det, torch.ones_like(det), atol=1e-10, rtol=0)
    elif family == "Sp":
        j = symplectic_form(d // 2)
        torch.testing.assert_close(a.mT @ j @ a, j.expand(batch, d, d), atol=ATOL, rtol=0)
    elif family == "T":
        torch.testing.assert_close(a, eye(d, batch), atol=0, rtol=0)
    else:
        raise AssertionError(family)


def check_membership(g: MatrixGroup, elements: torch.Tensor) -> None:
    batch = elements.shape[0]
    assert elements.shape == (batch, g.matrix_size, g.matrix_size)
    if g.affine:
        bottom = torch.zeros(batch, g.matrix_size, dtype=torch.float64)
        bottom[:, -1] = 1.0
        torch.testing.assert_close(elements[:, -1, :], bottom, atol=0, rtol=0)
    check_linear_condition(g.factor.family, g.linear_part(elements))
    if g.factor.family == "S":
        assert set(elements.unique().tolist()) <= {0.0, 1.0}
    if g.factor.family == "C":
        k = g.factor.args[0]
        torch.testing.assert_close(torch.linalg.matrix_power(elements, k), eye(2, batch), atol=1e-12, rtol=0)


FAMILIES = [
    ("S(5)", 5, 0, 2),
    ("C(6)", 2, 0, 1),
    ("D(5)", 2, 0, 2),
    ("SO(2)", 2, 1, 0),
    ("SO(3)", 3, 3, 0),
    ("SO(5)", 5, 10, 0),
    ("O(3)", 3, 3, 1),
    ("O(5)", 5, 10, 1),
    ("SE(3)", 4, 6, 0),
    ("E(3)", 4, 6, 1),
    ("E(2)", 3, 3, 1),
    ("T(3)", 4, 3, 0),
    ("GL+(3)", 3, 9, 0),
    ("SL(3)", 3, 8, 0),
    ("Aff+(3)", 4, 12, 0),
    ("SO+(1,3)", 4, 6, 0),
    ("Sp(4)", 4, 10, 0),
    ("Sp(6)", 6, 21, 0),
]


@pytest.mark.parametrize(("name", "size", "lie_dim", "discrete_count"), FAMILIES)
def test_samples_satisfy_group_conditions(name: str, size: int, lie_dim: int, discrete_count: int) -> None:
    g = group(name)
    assert isinstance(g, MatrixGroup)
    assert str(g) == name and g.matrix_size == size
    assert g.lie_generators.shape == (lie_dim, size, size)
    assert g.discrete_generators.shape == (discrete_count, size, size)
    check_membership(g, g.sample(32, generator=seeded()))
    check_membership(g, g.discrete_generators)
    check_membership(g, g.identity(2))


@pytest.mark.parametrize(("name", "size", "lie_dim", "discrete_count"), FAMILIES)
def test_lie_generators_exponentiate_into_the_group(name: str, size: int, lie_dim: int, discrete_count: int) -> None:
    g = group(name)
    if lie_dim == 0:
        return
    basis = g.lie_generators
    # A basis: linearly independent.
    assert torch.linalg.matrix_rank(basis.reshape(lie_dim, -1)) == lie_dim
    coefficients = torch.randn(8, lie_dim, generator=seeded(1), dtype=torch.float64) * 0.2
    algebra = torch.einsum("br,rij->bij", coefficients, basis)
    elements = expm(algebra)
    check_membership(g, elements)


def test_algebra_conditions() -> None:
    so = group("SO(4)").lie_generators
    torch.testing.assert_close(so, -so.mT)
    sl = group("SL(4)").lie_generators
    assert torch.all(torch.diagonal(sl, dim1=-2, dim2=-1).sum(-1) == 0)
    lorentz = group("SO+(1,3)").lie_generators
    eta = minkowski(4)
    assert torch.all(lorentz.mT @ eta + eta @ lorentz == 0)
    sp = group("Sp(6)").lie_generators
    j = symplectic_form(3)
    assert torch.all(sp.mT @ j + j @ sp == 0)


def test_haar_rotation_has_zero_mean_and_orthogonal_has_both_components() -> None:
    rotations = group("SO(3)").sample(4000, generator=seeded(2))
    # For Haar measure on SO(3), E[g] = 0 (the defining rep has no invariant vector).
    assert rotations.mean(0).abs().max() < 0.05
    dets = torch.linalg.det(group("O(3)").sample(4000, generator=seeded(3)))
    assert 0.45 < (dets > 0).double().mean() < 0.55


def test_sampling_is_reproducible_and_respects_dtype() -> None:
    g = group("GL+(3)")
    a = g.sample(5, generator=seeded(7))
    b = g.sample(5, generator=seeded(7))
    assert torch.equal(a, b)
    assert g.sample(2, dtype=torch.float32).dtype == torch.float32


def test_permutation_convention_and_finite_groups() -> None:
    s4 = group("S(4)")
    assert s4.order() == 24
    elements = s4.elements()
    assert elements.shape == (24, 4, 4)
    assert elements.reshape(24, -1).unique(dim=0).shape[0] == 24
    # The n-cycle generator sends e_i to e_{i+1}: P e_i = e_σ(i) with σ(i) = i + 1 mod n.
    cycle = s4.discrete_generators[1]
    for i in range(4):
        e_i = torch.zeros(4, dtype=torch.float64)
        e_i[i] = 1.0
        assert int(torch.argmax(cycle @ e_i)) == (i + 1) % 4
    d5 = group("D(5)")
    assert d5.order() == 10 and d5.elements().reshape(10, -1).unique(dim=0).shape[0] == 10
    torch.testing.assert_close(d5.discrete_generators[1], torch.diag(torch.tensor([1.0, -1.0], dtype=torch.float64)))
    assert group("C(3)").order() == 3 and group("SO(3)").order() is None


def test_elements_refused_for_infinite_or_huge_groups() -> None:
    with pytest.raises(SymcError, match="not finite"):
        group("SO(3)").elements()
    with pytest.raises(SymcError, match="too many"):
        group("S(10)").elements()


def test_translation_and_linear_parts() -> None:
    g = group("SE(3)")
    elements = g.sample(4, generator=seeded())
    assert g.linear_part(elements).shape == (4, 3, 3)
    torch.testing.assert_close(g.translation_part(elements), elements[:, :3, 3])
    rotations = group("SO(3)").sample(4, generator=seeded())
    assert torch.all(group("SO(3)").translation_part(rotations) == 0)


def test_product_group_generators_pad_other_factors() -> None:
    g = group("SO(3) x S(4)")
    assert isinstance(g, ProductGroup) and g.name == "SO(3) x S(4)" and g.compact
    discrete = generator_elements(g)
    lie = lie_algebra_basis(g)
    assert [t.shape for t in discrete] == [(2, 3, 3), (2, 4, 4)]
    assert [t.shape for t in lie] == [(3, 3, 3), (3, 4, 4)]
    torch.testing.assert_close(discrete[0], eye(3, 2))
    assert torch.all(lie[1] == 0)
    samples = g.sample(6, generator=seeded())
    assert [t.shape for t in samples] == [(6, 3, 3), (6, 4, 4)]
    assert not group("E(3) x S(4)").compact


def test_group_from_ir_and_aliases() -> None:
    spec = GroupSpec((GroupFactor("E", (3,)), GroupFactor("S", (5,))))
    assert group(spec) == group("E(3) x S(5)")
    assert group(GroupFactor("SO", (3,))) == group("SO(3)")
    assert group("Lorentz") == group("SO+(1,3)")
    assert group("SO(3)xS(4)").name == "SO(3) x S(4)"
    assert hash(group("SO(3)")) == hash(group("SO(3)"))


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("SO()", "SO takes 1 argument", "SO(3)"),
        ("SO(-1)", "positive integer", None),
        ("S(0)", "positive integer", None),
        ("Sp(3)", "even", "Sp(4)"),
        ("SE3", "unknown group 'SE3'", "SE(3)"),
        ("GL(3)", "unknown group 'GL'", "GL+(3)"),
        ("So(3)", "unknown group 'So'", "SO(3)"),
        ("S(n)", "symbolic size", "S(5)"),
        ("SO+(2,2)", "Lorentz", "SO+(1,3)"),
        ("SO(3) x O(2)", "at most one geometric factor", None),
        ("", "unexpected end of the text", None),
    ],
)
def test_bad_group_names_raise_with_hints(text: str, message: str, hint: str | None) -> None:
    with pytest.raises(SymcError, match=re.escape(message)) as info:
        group(text)
    if hint is not None:
        assert info.value.hint is not None and hint in info.value.hint


def test_symbolic_ir_factor_is_refused() -> None:
    with pytest.raises(SymcError, match="symbolic"):
        group(GroupSpec((GroupFactor("SO", (3,)), GroupFactor("S", ("n",)))))


def test_symplectic_samples_are_far_from_orthogonal() -> None:
    # The sampler must cover the non-compact part, not just U(d).
    samples = group("Sp(4)").sample(64, generator=seeded(5))
    gram_error = (samples @ samples.mT - eye(4, 64)).abs().amax(dim=(-2, -1))
    assert gram_error.max() > 0.1
    assert math.isfinite(float(samples.abs().max()))


def _example_factor(name: str) -> GroupFactor:
    """A small concrete factor of each family (the table's example, symbolic sizes set to 4)."""
    from symc.ir.families import FAMILIES

    args = {"S": (4,), "SO+": (1, 3), "Sp": (4,), "C": (5,), "D": (3,)}.get(name, (3,))
    assert FAMILIES[name].arity == len(args)
    return GroupFactor(name, args)


def test_family_table_and_catalogue_have_the_same_keys() -> None:
    from symc.groups.catalogue import _BUILDERS
    from symc.ir import GROUP_FAMILIES
    from symc.ir.families import FAMILIES

    assert set(FAMILIES) == set(_BUILDERS) == set(GROUP_FAMILIES)


@pytest.mark.parametrize("name", ["S", "C", "D", "SO", "O", "SE", "E", "T", "GL+", "SL", "Aff+", "SO+", "Sp"])
def test_family_table_facts_agree_with_the_generators(name: str) -> None:
    from symc.ir.dims import defining_dim, matrix_size
    from symc.ir.families import FAMILIES

    facts, factor = FAMILIES[name], _example_factor(name)
    g = group(factor)
    samples = g.sample(32, generator=seeded(3))
    s = matrix_size(factor)
    assert g.matrix_size == s == facts.matrix_size(factor.args) and samples.shape == (32, s, s)
    assert g.linear_size == defining_dim(factor)
    assert g.compact == facts.compact and g.affine == facts.affine and g.is_permutation == facts.permutation
    orthogonal = bool(torch.allclose(samples @ samples.mT, eye(s, 32), atol=1e-9))
    assert orthogonal == facts.compact, "compact ⇔ sampled elements are orthogonal"
    last_row = torch.zeros(s, dtype=torch.float64)
    last_row[-1] = 1.0
    assert bool(torch.allclose(samples[:, -1, :], last_row.expand(32, s))) == facts.affine
    if facts.affine and facts.linear_family is not None:
        linear = group(GroupFactor(facts.linear_family, factor.args))
        assert linear.lie_generators.shape[0] + s - 1 == g.lie_generators.shape[0]
    if facts.finite:
        assert g.order() is not None and g.order() < math.inf
    if facts.self_dual:  # V ≅ V*: some invariant form B with gᵀ B g = B
        d = g.linear_size
        form = {"SO+": minkowski(d), "Sp": symplectic_form(d // 2)}.get(name, eye(d, 1)[0])
        linear_part = g.linear_part(samples)
        assert torch.allclose(linear_part.mT @ form @ linear_part, form.expand_as(linear_part), atol=1e-8)
    if facts.has_irreps(factor.args):
        assert facts.rotations and g.linear_size == 3


SPEC_GROUP_TEXTS = [
    "SO(3)", "O(3)", "E(3) x S(n)", "SE(2) x S(5)", "S(4)", "C(6)", "D(4)", "T(3)", "GL+(3)", "SL(2)", "Aff+(2)",
    "SO+(1,3)", "Lorentz", "Sp(4)", "SO(3) x O(2)", "SO(3) x SO(3)", "S(3) x S(4)", "So(3)", "SE3", "GL(3)",
    "SO()", "Sp(3)", "SO+(2,2)", "S(0)", "Lorentz(4)", "SO(3)xS(4)", "piecewise SO(3)",
]  # fmt: skip


@pytest.mark.parametrize("text", SPEC_GROUP_TEXTS)
def test_symc_group_and_a_spec_group_line_agree(text: str) -> None:
    """``symc.group(t)`` reads ``t`` exactly as a spec's ``group t``: the same factors or the same error."""
    import symc

    spec_text = f"model A {{ group {text}; input x: T(0); output y: T(0); method basis }}"
    try:
        spec_group = symc.parse(spec_text).group
    except SymcError as error:
        with pytest.raises(SymcError) as info:
            symc.group(text)
        assert info.value.message == error.message and info.value.hint == error.hint
        return
    if any(f.is_symbolic for f in spec_group.factors):
        with pytest.raises(SymcError, match="symbolic size"):
            symc.group(text)
    else:
        assert symc.group(text) == group(spec_group)
    from symc.frontend import parse_group

    assert parse_group(text) == spec_group


def test_derived_family_sets_follow_the_table() -> None:
    """The per-layer names that remain are lookups in the one table."""
    from symc.frontend.groups import _COUNT_FAMILIES, PIECEWISE_FAMILIES
    from symc.frontend.reps import ROTATION_LIKE_FAMILIES
    from symc.ir.dims import AFFINE_FAMILIES
    from symc.ir.families import FAMILIES
    from symc.layers.hidden import SELF_DUAL_FAMILIES
    from symc.methods.frames.model import FAMILY_FRAMES
    from symc.solvers.quadrature import COMPACT_FAMILIES

    assert AFFINE_FAMILIES == {n for n, f in FAMILIES.items() if f.affine} == {"SE", "E", "T", "Aff+"}
    assert SELF_DUAL_FAMILIES == {n for n, f in FAMILIES.items() if f.self_dual}
    assert (
        COMPACT_FAMILIES
        == {n for n, f in FAMILIES.items() if f.quadrature}
        <= {n for n, f in FAMILIES.items() if f.compact}
    )
    assert ROTATION_LIKE_FAMILIES == {n for n, f in FAMILIES.items() if f.rotations}
    assert set(PIECEWISE_FAMILIES) == {"E", "SE"} and _COUNT_FAMILIES == {"S", "C", "D"}
    assert FAMILY_FRAMES == {n: f.frame_kind for n, f in FAMILIES.items() if f.frame_kind is not None}

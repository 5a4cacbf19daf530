"""SO(3)/O(3) numerics: harmonics, Wigner matrices, Clebsch–Gordan and Gaunt coefficients."""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import pytest
import sympy
import torch
from safetensors.torch import load_file
from sympy.physics.wigner import gaunt as sympy_gaunt

from symc.groups import expm, group
from symc.paths import cache_dir
from symc.so3 import clebsch_gordan, coupling, gaunt, spherical_harmonics, wigner_D, wigner_D_algebra
from symc.so3.coupling import _racah_magnitudes, complex_to_real, sphere_quadrature

F64 = torch.float64


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def rotations(batch: int, seed: int) -> torch.Tensor:
    return group("SO(3)").sample(batch, generator=seeded(seed))


def test_low_degrees_match_closed_forms() -> None:
    xyz = torch.randn(10, 3, generator=seeded(), dtype=F64)
    unit = xyz / xyz.norm(dim=-1, keepdim=True)
    x, y, z = unit.unbind(-1)
    torch.testing.assert_close(spherical_harmonics(0, xyz), torch.full((10, 1), 1 / math.sqrt(4 * math.pi), dtype=F64))
    torch.testing.assert_close(spherical_harmonics(1, xyz), math.sqrt(3 / (4 * math.pi)) * unit)
    # l = 2, m = 0 with the polar axis along y; m = -2 is the xy-type harmonic in textbook (z, x) → here (x, z).
    y2 = spherical_harmonics(2, xyz)
    torch.testing.assert_close(y2[:, 2], math.sqrt(5 / (16 * math.pi)) * (3 * y * y - 1))
    torch.testing.assert_close(y2[:, 0], math.sqrt(15 / (4 * math.pi)) * x * z)


@pytest.mark.parametrize("l", [0, 1, 2, 5, 12])
def test_harmonics_are_orthonormal_on_the_sphere(l: int) -> None:
    points, weights = sphere_quadrature(2 * l)
    values = spherical_harmonics(l, points)
    gram = torch.einsum("p,pa,pb->ab", weights, values, values)
    torch.testing.assert_close(gram, torch.eye(2 * l + 1, dtype=F64), atol=1e-12, rtol=0)


def test_harmonics_of_different_degrees_are_orthogonal_and_monte_carlo_agrees() -> None:
    points, weights = sphere_quadrature(9)
    cross = torch.einsum("p,pa,pb->ab", weights, spherical_harmonics(4, points), spherical_harmonics(5, points))
    assert cross.abs().max() < 1e-13
    samples = torch.randn(200_000, 3, generator=seeded(1), dtype=F64)
    values = spherical_harmonics(2, samples)
    monte_carlo = 4 * math.pi * values.T @ values / samples.shape[0]
    torch.testing.assert_close(monte_carlo, torch.eye(5, dtype=F64), atol=0.03, rtol=0)


def test_unnormalised_harmonics_are_homogeneous() -> None:
    xyz = torch.randn(6, 3, generator=seeded(2), dtype=F64)
    for l in (0, 3, 7):
        scaled = spherical_harmonics(l, 2.5 * xyz, normalize=False)
        torch.testing.assert_close(scaled, 2.5**l * spherical_harmonics(l, xyz, normalize=False))
        radius = xyz.norm(dim=-1, keepdim=True) ** l
        torch.testing.assert_close(spherical_harmonics(l, xyz, normalize=False), radius * spherical_harmonics(l, xyz))


@pytest.mark.parametrize("l", [0, 1, 2, 3, 6, 12])
def test_wigner_matrices(l: int) -> None:
    r1, r2 = rotations(5, 3), rotations(5, 4)
    xyz = torch.randn(5, 3, generator=seeded(5), dtype=F64)
    d1 = wigner_D(l, r1)
    moved = spherical_harmonics(l, (r1 @ xyz[..., None])[..., 0])
    torch.testing.assert_close(moved, (d1 @ spherical_harmonics(l, xyz)[..., None])[..., 0], atol=1e-10, rtol=0)
    torch.testing.assert_close(wigner_D(l, r1 @ r2), d1 @ wigner_D(l, r2), atol=1e-10, rtol=0)
    eye = torch.eye(2 * l + 1, dtype=F64).expand(5, -1, -1)
    torch.testing.assert_close(d1 @ d1.mT, eye, atol=1e-10, rtol=0)
    inversion = -torch.eye(3, dtype=F64)
    torch.testing.assert_close(wigner_D(l, inversion), (-1) ** l * torch.eye(2 * l + 1, dtype=F64), atol=1e-12, rtol=0)


def test_wigner_of_degree_one_is_the_rotation_and_is_differentiable() -> None:
    r = rotations(4, 6)
    torch.testing.assert_close(wigner_D(1, r), r, atol=1e-13, rtol=0)
    # d/dt D(exp(tL)) at t = 0 by autograd equals the algebra action dD(L).
    generator = group("SO(3)").lie_generators[1]
    weights = torch.randn(5, 5, generator=seeded(10), dtype=F64)
    t = torch.zeros((), dtype=F64, requires_grad=True)
    d = wigner_D(2, expm(t * generator))
    (grad,) = torch.autograd.grad((d * weights).sum(), t)
    torch.testing.assert_close(grad, (wigner_D_algebra(2, generator) * weights).sum())


@pytest.mark.parametrize("l", [1, 2, 4, 8])
def test_wigner_algebra_exponentiates_exactly(l: int) -> None:
    coefficients = torch.randn(4, 3, generator=seeded(l), dtype=F64)
    algebra = torch.einsum("br,rij->bij", coefficients, group("SO(3)").lie_generators)
    torch.testing.assert_close(expm(wigner_D_algebra(l, algebra)), wigner_D(l, expm(algebra)), atol=1e-12, rtol=0)


TRIPLES = [(0, 0, 0), (1, 1, 0), (1, 1, 1), (1, 1, 2), (2, 1, 1), (2, 2, 2), (1, 2, 3), (3, 2, 4), (4, 4, 4), (5, 3, 6)]


@pytest.mark.parametrize(("l1", "l2", "l3"), TRIPLES)
def test_clebsch_gordan_is_equivariant_and_orthonormal(l1: int, l2: int, l3: int) -> None:
    c = clebsch_gordan(l1, l2, l3)
    assert c.shape == (2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)
    r = rotations(3, 7)
    d1, d2, d3 = (wigner_D(l, r) for l in (l1, l2, l3))
    moved = torch.einsum("zai,zbj,zck,ijk->zabc", d1, d2, d3, c)
    torch.testing.assert_close(moved, c.expand_as(moved), atol=1e-12, rtol=0)
    gram = torch.einsum("abc,abd->cd", c, c)
    torch.testing.assert_close(gram, torch.eye(2 * l3 + 1, dtype=F64), atol=1e-12, rtol=0)
    first = c.flatten()[c.flatten().abs() > 1e-12][0]
    assert first > 0


def test_clebsch_gordan_known_values_and_selection_rule() -> None:
    assert torch.all(clebsch_gordan(1, 1, 3) == 0)
    assert torch.all(clebsch_gordan(0, 2, 1) == 0)
    # 1 ⊗ 1 → 0 is the normalised dot product; 1 ⊗ 1 → 1 the normalised cross product.
    torch.testing.assert_close(clebsch_gordan(1, 1, 0)[..., 0], torch.eye(3, dtype=F64) / math.sqrt(3))
    cross = clebsch_gordan(1, 1, 1)
    a, b = torch.randn(3, generator=seeded(8), dtype=F64), torch.randn(3, generator=seeded(9), dtype=F64)
    ratio = torch.einsum("abc,a,b->c", cross, a, b) / torch.linalg.cross(a, b)
    torch.testing.assert_close(ratio, torch.full((3,), ratio[0].item(), dtype=F64))
    assert abs(abs(ratio[0].item()) - 1 / math.sqrt(2)) < 1e-12
    torch.testing.assert_close(clebsch_gordan(2, 0, 2)[:, 0, :], torch.eye(5, dtype=F64))


@pytest.mark.parametrize(("l1", "l2", "l3"), [(1, 1, 1), (2, 3, 4), (3, 3, 6), (4, 2, 3), (6, 5, 7), (6, 6, 0)])
def test_racah_coefficients_match_sympy(l1: int, l2: int, l3: int) -> None:
    from sympy.physics.wigner import clebsch_gordan as sympy_cg

    ours = _racah_magnitudes(l1, l2, l3)
    for m1 in range(-l1, l1 + 1):
        for m2 in range(max(-l2, -l3 - m1), min(l2, l3 - m1) + 1):
            exact = float(sympy.N(sympy_cg(l1, l2, l3, m1, m2, m1 + m2), 30))
            assert abs(ours.get((m1, m2), 0.0) - exact) <= 2e-16 * max(1.0, abs(exact))


@pytest.mark.parametrize(("l1", "l2"), [(7, 3), (9, 10), (10, 10)])
def test_clebsch_gordan_of_one_pair_is_an_orthogonal_change_of_basis(l1: int, l2: int) -> None:
    """Stacked over l3 = |l1−l2| … l1+l2 the CG tensors are the orthogonal map V_l1 ⊗ V_l2 → ⊕ V_l3."""
    basis = torch.cat([clebsch_gordan(l1, l2, l3) for l3 in range(abs(l1 - l2), l1 + l2 + 1)], dim=-1)
    matrix = basis.reshape((2 * l1 + 1) * (2 * l2 + 1), -1)
    eye = torch.eye(matrix.shape[0], dtype=F64)
    torch.testing.assert_close(matrix.T @ matrix, eye, atol=1e-13, rtol=0)
    torch.testing.assert_close(matrix @ matrix.T, eye, atol=1e-13, rtol=0)
    r = rotations(1, 17)[0]
    d1, d2, d3 = (wigner_D(l, r) for l in (l1, l2, l1 + l2))
    top = clebsch_gordan(l1, l2, l1 + l2)
    torch.testing.assert_close(torch.einsum("ai,bj,ck,ijk->abc", d1, d2, d3, top), top, atol=1e-11, rtol=0)


def test_clebsch_gordan_equals_e3nn_wigner_3j_up_to_sign_and_norm() -> None:
    o3 = pytest.importorskip("e3nn.o3")
    for l1, l2, l3 in [(1, 1, 1), (2, 1, 2), (3, 2, 4), (4, 4, 6), (5, 3, 2)]:
        ours, theirs = clebsch_gordan(l1, l2, l3), o3.wigner_3j(l1, l2, l3, dtype=F64)
        scale = (ours * theirs).sum() / (theirs * theirs).sum()
        assert abs(abs(scale.item()) - math.sqrt(2 * l3 + 1)) < 1e-10
        torch.testing.assert_close(ours, scale * theirs, atol=1e-10, rtol=0)


def _fresh_cg_cache(monkeypatch: pytest.MonkeyPatch, directory) -> None:
    """Point the disk cache at ``directory`` and forget the in-process copies of the CG tensors."""
    monkeypatch.setenv("SYMC_CACHE_DIR", str(directory))
    coupling._pair_cached.cache_clear()


def _cg_file(l1: int, l2: int) -> Path:
    key = hashlib.sha256(coupling._pair_problem(l1, l2).encode()).hexdigest()
    return cache_dir() / f"{key}.safetensors"


def test_clebsch_gordan_disk_cache_hit_gives_identical_numbers(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    _fresh_cg_cache(monkeypatch, tmp_path / "a")
    computed = clebsch_gordan(5, 4, 6)
    assert _cg_file(5, 4).is_file()
    # Another process: same files, empty memory; a hit must not recompute.
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    _fresh_cg_cache(monkeypatch, tmp_path / "b")
    monkeypatch.setattr(coupling, "_compute_pair", lambda l1, l2: pytest.fail("recomputed on a cache hit"))
    assert torch.equal(clebsch_gordan(5, 4, 6), computed)
    assert torch.equal(clebsch_gordan(5, 4, 3), _racah_real(5, 4, 3))


def _racah_real(l1: int, l2: int, l3: int) -> torch.Tensor:
    values = _racah_magnitudes(l1, l2, l3)
    tensor = torch.zeros(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1, dtype=torch.complex128)
    for (m1, m2), value in values.items():
        tensor[l1 + m1, l2 + m2, l3 + m1 + m2] = value
    return coupling._to_real_basis(l1, l2, l3, tensor)


def test_corrupt_clebsch_gordan_cache_file_is_recomputed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    _fresh_cg_cache(monkeypatch, tmp_path / "good")
    expected = clebsch_gordan(3, 2, 4)
    valid = _cg_file(3, 2).read_bytes()
    for name, damage in (("garbage", b"not a safetensors file"), ("flipped", valid[:-8] + b"\x00" * 8)):
        _fresh_cg_cache(monkeypatch, tmp_path / name)  # a new directory: nothing of it is in memory
        _cg_file(3, 2).parent.mkdir(parents=True)
        _cg_file(3, 2).write_bytes(damage)
        assert torch.equal(clebsch_gordan(3, 2, 4), expected)
        rewritten = load_file(_cg_file(3, 2))["basis"]  # rewritten with a valid entry
        assert torch.equal(rewritten[..., 3 + 5 + 7 : 3 + 5 + 7 + 9], expected)  # after l3 = 1, 2, 3


def test_clebsch_gordan_cache_writes_are_atomic(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A write that fails before its rename leaves neither a partial entry nor a temporary file."""
    import symc.runtime.disk_cache as solver_cache

    _fresh_cg_cache(monkeypatch, tmp_path / "failing")

    def failing_replace(source: str, target: str) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(solver_cache.os, "replace", failing_replace)
        expected = clebsch_gordan(2, 2, 3)
    assert not list((tmp_path / "failing").iterdir())
    _fresh_cg_cache(monkeypatch, tmp_path / "working")
    assert torch.equal(clebsch_gordan(2, 2, 3), expected)
    assert [p.name for p in (tmp_path / "working").iterdir()] == [_cg_file(2, 2).name]


def test_change_of_basis_is_unitary() -> None:
    for l in range(5):
        u = complex_to_real(l)
        torch.testing.assert_close(u @ u.conj().T, torch.eye(2 * l + 1, dtype=torch.complex128))


@pytest.mark.parametrize(
    ("l1", "l2", "l3"), [(0, 0, 0), (1, 1, 0), (1, 1, 2), (2, 1, 1), (2, 2, 2), (1, 2, 3), (2, 2, 4)]
)
def test_gaunt_matches_sympy(l1: int, l2: int, l3: int) -> None:
    complex_gaunt = torch.zeros(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1, dtype=torch.complex128)
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            m3 = -m1 - m2
            if abs(m3) <= l3:
                complex_gaunt[l1 + m1, l2 + m2, l3 + m3] = float(sympy.N(sympy_gaunt(l1, l2, l3, m1, m2, m3), 30))
    u1, u2, u3 = (complex_to_real(l) for l in (l1, l2, l3))
    expected = torch.einsum("ai,bj,ck,ijk->abc", u1, u2, u3, complex_gaunt)
    assert expected.imag.abs().max() < 1e-14
    torch.testing.assert_close(gaunt(l1, l2, l3), expected.real, atol=1e-14, rtol=0)


def test_gaunt_selection_rules_symmetry_and_relation_to_clebsch_gordan() -> None:
    assert gaunt(1, 1, 1).abs().max() < 1e-15
    assert gaunt(2, 3, 2).abs().max() < 1e-15
    assert gaunt(1, 1, 3).abs().max() < 1e-15
    torch.testing.assert_close(gaunt(1, 2, 3), gaunt(2, 1, 3).permute(1, 0, 2))
    g, c = gaunt(3, 2, 3), clebsch_gordan(3, 2, 3)
    scale = (g * c).sum() / (c * c).sum()
    torch.testing.assert_close(g, scale * c, atol=1e-13, rtol=0)
    assert abs(scale) > 1e-3


def test_invalid_degrees_raise() -> None:
    with pytest.raises(ValueError):
        clebsch_gordan(-1, 1, 1)
    with pytest.raises(ValueError):
        spherical_harmonics(-2, torch.ones(3))
    with pytest.raises(ValueError):
        wigner_D(1, torch.eye(4))

"""Affine frames (centre, whiten, orient by the fourth moment) for Aff+(d), GL+(d), SL(d); polar decomposition."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symc
from symc.api import with_dtype
from symc.errors import SymcError
from symc.groups.sampling import haar_rotation
from symc.solvers.frames import affine_frames
from symc.solvers.lie_decomposition import from_chart, group_average, polar, sample_polar
from symc.testing import assert_equivariant

SPECS = Path(__file__).resolve().parent.parent / "specs"


def conditioned(condition: float, d: int, generator: torch.Generator) -> torch.Tensor:
    """A random matrix with det > 0 and the given condition number: U diag(s) Vᵀ with U, V ∈ SO(d)."""
    u, v = haar_rotation(2, d, generator)
    s = torch.logspace(0, torch.log10(torch.tensor(condition)).item(), d, dtype=torch.float64)
    return u @ torch.diag(s / s.prod() ** (1 / d)) @ v.T


@pytest.fixture(scope="module")
def classifier():
    spec = with_dtype(symc.load(SPECS / "affine_classifier.sym"), "float64")
    return spec, symc.build(spec)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1), condition=st.sampled_from([1.0, 10.0, 100.0]))
def test_affine_classifier_is_invariant_under_ill_conditioned_maps(classifier, seed, condition):
    _, model = classifier
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 12, 3, generator=g, dtype=torch.float64)
    a = conditioned(condition, 3, g) * torch.exp(torch.randn((), generator=g, dtype=torch.float64))
    t = 10 * torch.randn(3, generator=g, dtype=torch.float64)
    before = model({"pos": x})["logits"]
    after = model({"pos": x @ a.T + t})["logits"]
    assert torch.linalg.cond(a) == pytest.approx(condition, rel=1e-6)
    assert (after - before).norm() <= 1e-8 * before.norm()


def test_affine_classifier_passes_the_property_test(classifier):
    spec, model = classifier
    assert assert_equivariant(model, spec, trials=4, n=6).passed


@pytest.mark.parametrize(
    ("group", "inputs", "outputs"),
    [
        ("GL+(3) x S(n)", "x: T(1) per point", "c: 2xT(0) global, t: T(1,1) global, y: T(1) per point"),
        ("SL(3) x S(n)", "x: T(1) per point, w: T(0) per point", "t: T(2) global"),
        ("Aff+(2) x S(n)", "x: point per point, v: T(1) per point", "y: point per point, s: T(0) global"),
    ],
)
def test_linear_and_affine_groups_are_equivariant(group, inputs, outputs):
    text = f"model M {{ group {group}\n input {inputs}\n output {outputs}\n method frames(pointnet(hidden = 16))\n"
    spec = symc.parse(text + " dtype float64 }")
    report = assert_equivariant(symc.build(spec), spec, trials=4, n=6, rtol=1e-8)
    assert report.passed


def test_frame_elements_lie_in_the_group():
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    gl = affine_frames(x, translate=False, unimodular=False)
    sl = affine_frames(x, translate=False, unimodular=True)
    assert bool((torch.linalg.det(gl.linear) > 0).all())
    torch.testing.assert_close(torch.linalg.det(sl.linear), torch.ones(sl.linear.shape[0], dtype=torch.float64))
    assert gl.counts().tolist() == [4] * 4  # whitening leaves an SO(3) frame: 2^(d-1) sign choices


def test_flat_clouds_have_no_affine_frame():
    spec = symc.parse(
        "model M { group Aff+(3) x S(n)\n input x: point\n output s: T(0) global\n method frames(pointnet) }"
    )
    model = symc.build(spec)
    flat = torch.randn(1, 8, 3)
    flat[..., 2] = 0
    with pytest.raises(SymcError, match="lower-dimensional affine subspace"):
        model({"x": flat})
    with pytest.raises(SymcError, match="at least 4"):
        model({"x": torch.randn(1, 3, 3)})


def test_polar_decomposition_reconstructs_and_separates_the_factors():
    g = sample_polar(16, 3, generator=torch.Generator().manual_seed(0))
    p, r = polar(g)
    torch.testing.assert_close(p @ r, g)
    torch.testing.assert_close(r @ r.mT, torch.eye(3, dtype=torch.float64).expand(16, 3, 3))
    assert bool((torch.linalg.det(r) > 0).all()) and bool((torch.linalg.eigvalsh(p) > 0).all())
    torch.testing.assert_close(p, p.mT)
    sl = sample_polar(8, 3, unimodular=True, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(torch.linalg.det(sl), torch.ones(8, dtype=torch.float64))
    skew = torch.tensor([[0.0, -3.0], [3.0, 0.0]], dtype=torch.float64)  # a rotation by 3 rad
    torch.testing.assert_close(polar(from_chart(torch.eye(2, dtype=torch.float64)[None], skew[None]))[0],
                               torch.e * torch.eye(2, dtype=torch.float64)[None])  # fmt: skip


def test_monte_carlo_average_over_the_rotation_factor_is_invariant():
    """The SO(d) factor is Haar: the average of |g v|² over samples is the same for every unit v (≈ 1 · tr(P²)/d)."""
    samples = sample_polar(20000, 3, generator=torch.Generator().manual_seed(2))
    v1, v2 = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 0.6, 0.8], dtype=torch.float64)
    a1 = group_average(lambda g: (g @ v1).pow(2).sum(-1), samples)
    a2 = group_average(lambda g: (g @ v2).pow(2).sum(-1), samples)
    assert abs(a1 - a2) < 0.03 * a1

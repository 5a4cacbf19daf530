"""Piecewise E(3): independent rigid motions of labelled parts, label errors, predicted partitions."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symc
from symc.api import with_dtype
from symc.backend.frame_checks import independent_motion_errors
from symc.errors import SymcError
from symc.testing import assert_equivariant

SPECS = Path(__file__).resolve().parent.parent / "specs"


def move_parts(motions: torch.Tensor, labels: torch.Tensor, x: torch.Tensor, *, point: bool) -> torch.Tensor:
    """Apply motion ``motions[labels[i]]`` ((parts, 4, 4) rigid motions) to point i of ``x (batch, n, 3)``."""
    rot, shift = motions[labels, :3, :3], motions[labels, :3, 3]
    moved = torch.einsum("nij,bnj->bni", rot, x)
    return moved + shift if point else moved


@pytest.fixture(scope="module")
def scored():
    spec = with_dtype(symc.load(SPECS / "piecewise_parts.sym"), "float64")
    return spec, symc.build(spec)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1))
def test_independent_part_motions_are_exact(scored, seed):
    _, model = scored
    g = torch.Generator().manual_seed(seed)
    n = 15
    labels = torch.randperm(n, generator=g).remainder(3)
    pos, normal = torch.randn(2, 2, n, 3, generator=g, dtype=torch.float64)
    part = torch.nn.functional.one_hot(labels, 3).to(torch.float64).expand(2, n, 3)
    motions = symc.group("E(3)").sample(3, generator=g)
    out = model({"pos": pos, "normal": normal, "part": part})
    assert model.last_exact.all()
    moved_pos = move_parts(motions, labels, pos, point=True)
    moved = model({"pos": moved_pos, "normal": move_parts(motions, labels, normal, point=False), "part": part})
    torch.testing.assert_close(moved["flow"], move_parts(motions, labels, out["flow"], point=False), atol=1e-12, rtol=0)
    torch.testing.assert_close(
        moved["target"], move_parts(motions, labels, out["target"], point=True), atol=1e-11, rtol=0
    )
    torch.testing.assert_close(moved["size"], out["size"], atol=1e-12, rtol=0)


def test_piecewise_spec_passes_the_global_property_test(scored):
    spec, model = scored
    assert assert_equivariant(model, spec, trials=4, n=9).passed


def integer_spec(extra: str = "") -> str:
    return (
        "model P { group piecewise SE(3) x S(n)\n input pos: point per point, part: T(0) per point\n"
        f" output v: 1o per point\n method frames(pointnet(hidden = 8), labels = part{extra})\n dtype float64 }}"
    )


def test_integer_labels_and_se3_parts():
    model = symc.build(symc.parse(integer_spec(", parts = 2")))
    g = torch.Generator().manual_seed(3)
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    pos = torch.randn(1, 8, 3, generator=g, dtype=torch.float64)
    part = labels.to(torch.float64)[None, :, None]
    out = model({"pos": pos, "part": part})["v"]
    motions = symc.group("SE(3)").sample(2, generator=g)
    moved = model({"pos": move_parts(motions, labels, pos, point=True), "part": part})["v"]
    torch.testing.assert_close(moved, move_parts(motions, labels, out, point=False), atol=1e-12, rtol=0)


@pytest.mark.parametrize(("value", "message"), [(2.0, "not an integer in \\[0, 2\\)"), (0.5, "not an integer"),
                                                (-1.0, "not an integer")])  # fmt: skip
def test_out_of_range_labels_are_refused(value, message):
    model = symc.build(symc.parse(integer_spec(", parts = 2")))
    part = torch.zeros(1, 6, 1, dtype=torch.float64)
    part[0, 3, 0] = value
    with pytest.raises(SymcError, match=message):
        model({"pos": torch.randn(1, 6, 3, dtype=torch.float64), "part": part})


def test_missing_labels_or_partition_are_refused():
    model = symc.build(symc.parse(integer_spec(", parts = 2")))
    with pytest.raises(SymcError, match="missing field"):
        model({"pos": torch.randn(1, 6, 3, dtype=torch.float64)})
    with pytest.raises(SymcError, match="need the number of parts"):
        symc.build(symc.parse(integer_spec()))
    no_partition = integer_spec().replace(", labels = part", "")
    with pytest.raises(SymcError, match="needs its partition"):
        symc.build(symc.parse(no_partition))


def test_a_part_too_small_for_its_own_frame_is_flagged():
    model = symc.build(symc.parse(integer_spec(", parts = 2")))
    part = torch.tensor([[0.0, 0, 0, 0, 0, 1]])[..., None].to(torch.float64)
    out = model({"pos": torch.randn(1, 6, 3, dtype=torch.float64), "part": part})
    assert torch.isfinite(out["v"]).all()
    assert model.last_exact.tolist() == [[True, False]]


def test_predicted_partition_reports_uncertainty_and_is_exact_for_global_motions():
    text = (
        "model P { group piecewise E(3) x S(n)\n input pos: point per point\n output v: 1o per point, s: 0e global\n"
        " method frames(pointnet(hidden = 8), parts = 2)\n dtype float64 }"
    )
    spec = symc.parse(text)
    model = symc.build(spec)
    assert assert_equivariant(model, spec, trials=3, n=8).passed
    model({"pos": torch.randn(3, 8, 3, dtype=torch.float64)})
    assert model.last_uncertainty.shape == (3,)
    assert bool(((model.last_uncertainty >= 0) & (model.last_uncertainty <= 0.5)).all())


def test_predicted_partition_error_is_measured_against_its_uncertainty(scored):
    text = (
        "model P { group piecewise E(3) x S(n)\n input pos: point per point\n output v: 1o per point\n"
        " method frames(pointnet(hidden = 8), parts = 2)\n dtype float64 }"
    )
    predicted = symc.build(symc.parse(text))
    g = torch.Generator().manual_seed(5)
    parts = torch.tensor([0] * 6 + [1] * 6)
    pos = torch.randn(3, 12, 3, generator=g, dtype=torch.float64) + 4.0 * parts[None, :, None]
    uncertainty, error = independent_motion_errors(predicted, {"pos": pos}, parts)
    assert uncertainty.shape == error.shape == (3,) and bool(torch.isfinite(error).all())
    _, labelled = scored
    part = torch.nn.functional.one_hot(parts, 3).to(torch.float64).expand(3, 12, 3)
    inputs = {"pos": pos, "normal": torch.randn(3, 12, 3, generator=g, dtype=torch.float64), "part": part}
    uncertainty, error = independent_motion_errors(labelled, inputs, parts)
    assert uncertainty.abs().max() == 0 and error.max() < 1e-12

"""Piecewise E(3): independent rigid motions of labelled parts, label errors, predicted partitions."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symc
from symc.api import with_dtype
from symc.errors import SymcError
from symc.methods.frames.measurements import PARTITION_GAPS, independent_motion_errors, part_clouds, partition_accuracy
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


PREDICTED = (
    "model P { group piecewise E(3) x S(n)\n input pos: point per point\n output v: 1o per point, x: point per point\n"
    " method frames(pointnet(hidden = 8), parts = 2)\n dtype float64 }"
)


class RadialPartitioner(torch.nn.Module):
    """A stand-in partitioner: part 1 iff a point's canonical distance from the centroid exceeds ``threshold``.

    Distances are invariant, so every frame element agrees; ``sharpness`` sets how confident it is.
    ``points (E, n, C)`` (the first 3 channels are the canonical position) → logits ``(E, n, 2)``, ``(E, 0)``.
    """

    def __init__(self, threshold: float, sharpness: float):
        super().__init__()
        self.threshold, self.sharpness = threshold, sharpness

    def forward(
        self, points: torch.Tensor, globals_: torch.Tensor, positions: None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        radial = self.sharpness * (points[..., :3].norm(dim=-1) - self.threshold)
        return torch.stack([-radial, radial], -1), globals_[:, :0]


def two_blobs(batch: int = 3, seed: int = 0) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """12 + 6 anisotropic Gaussian points 30 apart: part 0 lies ~10 from the centroid, part 1 ~20."""
    g = torch.Generator().manual_seed(seed)
    parts = torch.tensor([0] * 12 + [1] * 6)
    scales = torch.tensor([1.0, 0.6, 0.3], dtype=torch.float64)
    pos = torch.randn(batch, 18, 3, generator=g, dtype=torch.float64) * scales
    pos[:, 12:, 0] += 30.0
    return {"pos": pos}, parts


def test_a_confident_correct_partition_is_exact_under_independent_motions():
    model = symc.build(symc.parse(PREDICTED))
    model.partitioner = RadialPartitioner(threshold=15.0, sharpness=50.0)
    inputs, parts = two_blobs()
    uncertainty, error = independent_motion_errors(model, inputs, parts)
    assert float(uncertainty.max()) < 1e-6
    assert float(error.max()) < 1e-10
    assert partition_accuracy(model, inputs, parts, trials=4).tolist() == [1.0, 1.0, 1.0]


def test_a_wrong_uncertain_partition_reports_its_uncertainty_and_a_large_error():
    model = symc.build(symc.parse(PREDICTED))
    model.partitioner = RadialPartitioner(threshold=10.0, sharpness=1.0)  # cuts through part 0
    inputs, parts = two_blobs()
    uncertainty, error = independent_motion_errors(model, inputs, parts)
    assert bool((uncertainty > 0.05).all())
    assert bool((error > 1e-3).all())
    assert bool((partition_accuracy(model, inputs, parts) < 1).all())


def test_partition_probabilities_are_the_training_hook():
    model = symc.build(symc.parse(PREDICTED))
    inputs, parts = two_blobs()
    probs = model.partition_probabilities(inputs)
    assert probs.shape == (3, 18, 2) and probs.requires_grad
    torch.testing.assert_close(probs.sum(-1), torch.ones(3, 18, dtype=torch.float64))
    loss = torch.nn.functional.nll_loss(probs.log().flatten(0, 1), parts.repeat(3))
    loss.backward()
    assert model.partitioner.local[0].weight.grad is not None
    assert model.partition_probabilities({"pos": inputs["pos"][0]}).shape == (18, 2)
    with pytest.raises(SymcError, match="only `parts = k` models predict one"):
        symc.build(symc.parse(integer_spec(", parts = 2"))).partition_probabilities(inputs)


def test_part_clouds_are_centred_arms_with_block_labels():
    positions, labels = part_clouds(4, 3, 5, 2.0, torch.Generator().manual_seed(0))
    assert positions.shape == (4, 15, 3) and labels.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    torch.testing.assert_close(positions.mean(1), torch.zeros(4, 3, dtype=torch.float64))
    gaps = torch.cdist(positions[:, :5], positions[:, 5:10]).flatten(1).amin(1)
    assert bool((gaps > 1.0).all()), "segments 2.0 apart along the arm stay apart"


def test_check_prints_error_against_uncertainty_for_a_predicted_partition():
    from typer.testing import CliRunner

    from symc.cli import app

    result = CliRunner().invoke(app, ["check", str(SPECS / "piecewise_predicted.sym"), "--trials", "2", "--n", "4"])
    assert result.exit_code == 0, result.output
    assert "predicted partition (measured, not exact)" in result.output
    assert "uncertainty" in result.output and "label acc." in result.output
    assert "1 equivariant, 0 not equivariant" in result.output
    rows = [r for r in map(str.split, result.output.splitlines()) if len(r) == 4 and r[0].replace(".", "").isdigit()]
    assert [float(r[0]) for r in rows] == list(PARTITION_GAPS)
    assert all(0 < float(r[1]) <= 0.5 for r in rows), "an untrained partition is uncertain and says so"


def test_a_global_input_reaches_the_predicted_partition() -> None:
    """Regression: the partitioner was given the globals twice (once broadcast onto the points)."""
    spec = (
        "model M {\n  group piecewise E(3) x S(n)\n  input x: point per point, c: 0e global\n  output e: 0e global\n"
        "  method frames(backbone = pointnet(hidden = 8, layers = 1), parts = 2)\n  dtype float64\n}\n"
    )
    model = symc.build(spec)
    out = model({"x": torch.randn(2, 6, 3, dtype=torch.float64), "c": torch.randn(2, 1, dtype=torch.float64)})
    assert out["e"].shape == (2, 1) and torch.isfinite(out["e"]).all()

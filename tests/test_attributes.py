"""method attributes: pair invariants are invariant, models from specs are exactly E(d)/SE(d) x S(n)
equivariant with positions, data orientations or frames, approximately on a grid (error falls with N),
and bad specs and inputs give one SymcError."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import symc
from symc.cli import app
from symc.errors import SymcError
from symc.methods.attributes.measurements import grid_errors
from symc.solvers.invariants import distance_invariants, frame_invariants, orientation_invariants
from symc.solvers.orientation_grids import circle_grid, fibonacci_sphere
from symc.testing import assert_equivariant
from symc.testing.strategies import random_inputs

TEMPLATE = """model M {{
  group {group} x S(n)
  input {inputs}
  output {outputs}
  locality {locality}
  method attributes{method}
  hidden 16
  layers 2
  dtype float64
}}"""


def _spec(group="E(3)", inputs="pos: point", outputs="e: 0e global", locality="complete", method=""):
    return symc.parse(TEMPLATE.format(group=group, inputs=inputs, outputs=outputs, locality=locality, method=method))


def _random_orthogonal(d: int, seed: int) -> torch.Tensor:
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    return q


def test_pair_invariants_are_invariant_under_orthogonal_maps_and_translations():
    g = torch.Generator().manual_seed(0)
    pos = torch.randn(6, 3, generator=g, dtype=torch.float64)
    ori = torch.nn.functional.normalize(torch.randn(6, 3, generator=g, dtype=torch.float64), dim=-1)
    frames = torch.stack([_random_orthogonal(3, s) for s in range(6)])
    edges = (~torch.eye(6, dtype=torch.bool)).nonzero().T
    Q, t = _random_orthogonal(3, 99), torch.randn(3, dtype=torch.float64)
    moved = pos @ Q.T + t
    for before, after in [
        (distance_invariants(pos, edges), distance_invariants(moved, edges)),
        (orientation_invariants(pos, ori, edges), orientation_invariants(moved, ori @ Q.T, edges)),
        (frame_invariants(pos, frames, edges), frame_invariants(moved, Q @ frames, edges)),
    ]:
        torch.testing.assert_close(before, after, rtol=0, atol=1e-12)
    # Completeness on R^3 x S^2's spatial part: r is recovered from (o·r, ‖r⊥‖) up to a rotation about o.
    inv = orientation_invariants(pos, ori, edges)
    torch.testing.assert_close(inv[:, :2].norm(dim=-1, keepdim=True), distance_invariants(pos, edges))


@pytest.mark.parametrize(
    ("group", "inputs", "outputs", "locality"),
    [
        ("E(3)", "pos: point, z: 2x0e", "e: 0e global, f: 1o, p: point", "complete"),
        ("E(3)", "pos: point, v: 1o, z: 0e", "e: 0e global, f: 1o", "radius(2.0)"),
        ("SE(3)", "pos: point, o: orientation", "e: 0e, f: 1o + 0e", "knn(3)"),
        ("E(3)", "pos: point, R: frame, v: 1o", "e: 0e global, c: point global", "complete"),
        ("E(2)", "pos: point, v: T(1), q: T(0) global", "f: T(1), p: point global", "complete"),
    ],
    ids=["positions", "radius-vectors", "orientations-knn", "frames", "plane"],
)
def test_attribute_models_are_exactly_equivariant(group, inputs, outputs, locality):
    spec = _spec(group, inputs, outputs, locality)
    model = symc.build(spec)
    report = assert_equivariant(model, spec, trials=3, n=4)
    assert report.passed and report.max_error < 1e-12


GRID_SPEC = TEMPLATE.format(
    group="SE(3)",
    inputs="pos: point, v: 1o, z: 0e",
    outputs="e: 0e global, f: 1o",
    locality="complete",
    method="(orientations = 24)",
)


def test_grid_equivariance_error_falls_as_the_grid_grows():
    results = grid_errors(symc.parse(GRID_SPEC), sizes=(8, 64), trials=2)
    assert [r.size for r in results] == [8, 24, 64] and [r.own for r in results] == [False, True, False]
    errors = [r.max_error for r in results]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.2 * errors[0] and errors[2] < 2e-2


def test_symc_check_reports_grid_error_against_n_and_claims_no_exactness(tmp_path: Path):
    path = tmp_path / "grid.sym"
    path.write_text(GRID_SPEC)
    result = CliRunner().invoke(app, ["check", str(path), "--trials", "2", "--n", "4"])
    assert result.exit_code == 0, result.output
    assert "approximate, not exact" in result.output
    summary = " ".join(result.output.split())  # rich wraps long lines
    assert "0 equivariant, 1 approximately equivariant (measured error), 0 not equivariant" in summary
    table = result.output[result.output.index("grid size N") :].splitlines()[1:6]
    sizes = [int(line.split()[0].rstrip("*")) for line in table]
    errors = [float(line.split()[1]) for line in table]
    assert sizes == [4, 16, 24, 64, 256] and "24*" in table[2]
    assert errors[0] > errors[1] > errors[3] > errors[4] and errors[4] < 1e-2


def test_grid_models_are_exactly_permutation_equivariant_and_translation_invariant():
    spec = _spec("SE(3)", "pos: point, z: 0e", "e: 0e global, f: 1o", method="(orientations = 12)")
    model = symc.build(spec)
    x = random_inputs(spec, 3, n=5, batch=1)
    perm = torch.randperm(5, generator=torch.Generator().manual_seed(1))
    out = model(x)
    moved = model(
        {"pos": x["pos"][:, perm] + torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64), "z": x["z"][:, perm]}
    )
    torch.testing.assert_close(moved["e"], out["e"], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(moved["f"], out["f"][:, perm], rtol=1e-12, atol=1e-12)


def test_orientation_grids_are_unit_and_balanced():
    for grid in (fibonacci_sphere(50), circle_grid(7)):
        torch.testing.assert_close(grid.norm(dim=-1), torch.ones(grid.shape[0], dtype=torch.float64))
        assert float(grid.mean(dim=0).norm()) < 1e-2


def test_unbatched_inputs_and_float32_defaults():
    spec = symc.parse("model M {\n group SE(3) x S(n)\n input pos: point\n output e: 0e global\n method attributes\n}")
    model = symc.build(spec)
    out = model({"pos": torch.randn(4, 3)})
    assert out["e"].shape == (1,) and out["e"].dtype == torch.float32


def test_orientations_are_normalised_and_zero_ones_refused():
    spec = _spec("E(3)", "pos: point, o: orientation", "e: 0e global")
    model = symc.build(spec)
    pos = torch.randn(1, 4, 3, dtype=torch.float64)
    ori = torch.nn.functional.normalize(torch.randn(1, 4, 3, dtype=torch.float64), dim=-1)
    torch.testing.assert_close(model({"pos": pos, "o": 3.0 * ori})["e"], model({"pos": pos, "o": ori})["e"])
    with pytest.raises(SymcError, match="zero orientation"):
        model({"pos": pos, "o": torch.cat([ori[:, :3], torch.zeros(1, 1, 3, dtype=torch.float64)], dim=1)})


def test_bad_inputs_are_refused():
    model = symc.build(_spec())
    pos = torch.randn(2, 4, 3, dtype=torch.float64)
    pos[0, 1, 0] = float("nan")
    with pytest.raises(SymcError, match="NaN"):
        model({"pos": pos})
    with pytest.raises(SymcError, match="shape"):
        model({"pos": torch.randn(2, 4, 2, dtype=torch.float64)})
    with pytest.raises(SymcError, match=r"missing field\(s\) 'pos'; unexpected field\(s\) 'x'"):
        model({"x": torch.randn(2, 4, 3, dtype=torch.float64)})
    frames = symc.build(_spec("E(3)", "pos: point, R: frame"))
    with pytest.raises(SymcError, match="not orthogonal"):
        frames({"pos": torch.randn(1, 3, 3, dtype=torch.float64), "R": torch.randn(1, 3, 9, dtype=torch.float64)})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(locality="ego(2)"), "method attributes does not take locality ego"),
        (dict(inputs="pos: point, o: orientation", method="(orientations = 8)"), "come from the data"),
        (dict(inputs="pos: point, a: 0e per pair"), "per pair"),
        (dict(inputs="pos: point, t: 2e"), "cannot use 2e"),
        (dict(group="E(4)", outputs="e: T(0) global", method="(orientations = 8)"), "grids exist on"),
    ],
)
def test_bad_specs_are_refused_with_a_location(kwargs, message):
    with pytest.raises(SymcError, match=message) as refused:
        symc.build(_spec(**kwargs))
    assert refused.value.location is not None


def test_empty_point_cloud_gives_zero_sum():
    model = symc.build(_spec())
    out = model({"pos": torch.zeros(2, 0, 3, dtype=torch.float64)})
    assert out["e"].shape == (2, 1) and bool((out["e"] == 0).all())


@pytest.mark.parametrize(
    ("locality", "message"),
    [
        ("radius(r = 0)", "must be positive"),
        ("radius(r = -1.5)", "must be positive"),
        ("knn(k = 0)", "at least 1"),
        ("knn(k = -3)", "at least 1"),
    ],
)
def test_non_positive_radius_and_k_are_refused_with_a_location(locality, message):
    with pytest.raises(SymcError, match=message) as refused:
        symc.build(_spec(locality=locality))
    assert refused.value.location is not None


def test_k_at_least_n_is_clamped_to_the_complete_graph():
    pos = torch.randn(2, 5, 3, dtype=torch.float64)
    outputs = []
    for locality in ("knn(k = 4)", "knn(k = 50)", "complete"):
        torch.manual_seed(0)
        outputs.append(symc.build(_spec(outputs="e: 0e global, f: 1o", locality=locality))({"pos": pos}))
    for out in outputs[1:]:
        torch.testing.assert_close(out["e"], outputs[0]["e"], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(out["f"], outputs[0]["f"], rtol=1e-12, atol=1e-12)


def test_outputs_are_continuous_as_a_neighbour_crosses_the_cutoff():
    torch.manual_seed(0)
    model = symc.build(_spec(outputs="e: 0e global, f: 1o", locality="radius(r = 2.0)"))
    base = torch.tensor([[0.0, 0.0, 0.0], [0.7, 0.3, 0.0]], dtype=torch.float64)
    outputs = []
    for distance in (2.0 - 1e-9, 2.0 + 1e-9):  # the third point enters / leaves the first point's ball
        pos = torch.cat([base, torch.tensor([[distance, 0.0, 0.0]], dtype=torch.float64)]).unsqueeze(0)
        outputs.append(model({"pos": pos}))
    inside, outside = outputs
    torch.testing.assert_close(inside["e"], outside["e"], rtol=0, atol=1e-8)
    torch.testing.assert_close(inside["f"], outside["f"], rtol=0, atol=1e-8)

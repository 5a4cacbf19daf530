"""The ``symc`` command line through typer's CliRunner: exit codes, tables, the JSON contract, files."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import symc
from symc.cli import app

SPECS = Path(__file__).resolve().parent.parent / "specs"
runner = CliRunner()

BAD_SPEC = """model Broken {
  group GL+(3)
  input a: T(1) global
  output y: 2o global
  locality complete
  method basis
}
"""


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("compile", "check", "info", "warm"):
        assert command in result.output


def test_check_passes_an_example_and_prints_the_table():
    result = runner.invoke(app, ["check", str(SPECS / "deepsets.sym"), "--trials", "3", "--n", "4"])
    assert result.exit_code == 0, result.output
    assert "DeepSets" in result.output and "S(n)" in result.output and "ok" in result.output
    assert "1 equivariant, 0 not equivariant, 0 spec errors" in result.output


def test_check_reports_a_bad_spec_with_its_location_and_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.sym"
    bad.write_text(BAD_SPEC)
    shutil.copy(SPECS / "deepsets.sym", tmp_path / "deepsets.sym")
    result = runner.invoke(app, ["check", str(tmp_path), "--trials", "2"])
    assert result.exit_code == 2
    assert f"{bad}:4:13: error: irrep 2o does not exist for GL+(3)" in result.output
    assert "Traceback" not in result.output
    assert "DeepSets" in result.output, "the good spec in the same directory is still checked"


def test_check_refuses_planned_methods_as_spec_errors():
    planned = sorted((SPECS / "planned").glob("*.sym"))[0]
    result = runner.invoke(app, ["check", str(planned)])
    assert result.exit_code == 2
    assert "planned" in result.output


def test_check_of_a_missing_path_or_empty_directory_is_a_spec_error(tmp_path: Path):
    assert runner.invoke(app, ["check", str(tmp_path / "nope.sym")]).exit_code == 2
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "no .sym files" in result.output


def test_info_json_is_the_field_contract():
    result = runner.invoke(app, ["info", "--json", str(SPECS / "inertia.sym")])
    assert result.exit_code == 0, result.output
    (model,) = json.loads(result.stdout)["models"]
    assert model["name"] == "Inertia"
    assert model["group"]["text"] == "O(3) x S(n)"
    assert [f["text"] for f in model["group"]["factors"]] == ["O(3)", "S(n)"]
    assert model["inputs"] == [
        {"name": "m", "shape": ["n", 1], "rep": "T(0)", "order": "point"},
        {"name": "x", "shape": ["n", 3], "rep": "T(1)", "order": "point"},
    ]
    assert model["outputs"] == [{"name": "I", "shape": [9], "rep": "T(2)", "order": "global"}]
    assert model["method"] == "basis" and model["locality"] == "complete"
    assert model["parameters"] == sum(p.numel() for p in symc.build(SPECS / "inertia.sym").parameters())
    certified = {(b["rep_in"], b["rep_out"]): b for b in model["bases"]}
    t2 = certified[("T(2)", "T(2)")]
    assert t2["dim"] == 3 and t2["certificate"]["predicted_dim"] == 3 and t2["certificate"]["residual"] < 1e-12


def test_info_json_pair_fields_have_two_symbolic_axes():
    result = runner.invoke(app, ["info", "--json", str(SPECS / "graph_and_vectors.sym")])
    assert result.exit_code == 0, result.output
    models = {m["name"]: m for m in json.loads(result.stdout)["models"]}
    assert models["GraphReadout"]["inputs"][0]["shape"] == ["n", "n", 1]
    assert models["VectorFeatures"]["outputs"][0] == {"name": "u", "shape": [8], "rep": "1o + 2e", "order": "global"}


def test_info_prints_ir_fields_layers_and_certificates():
    result = runner.invoke(app, ["info", str(SPECS / "gl3_tensor.sym")])
    assert result.exit_code == 0, result.output
    for expected in ("model GL3Tensor {", "T(1,1)", "parameters", "certificates", "readout"):
        assert expected in result.output


def test_info_of_a_bad_spec_is_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.sym"
    bad.write_text(BAD_SPEC.replace("group GL+(3)", "group SE3"))
    result = runner.invoke(app, ["info", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output and "hint" in result.output


def test_warm_fills_the_cache_then_hits_it():
    first = runner.invoke(app, ["warm", str(SPECS / "gl3_tensor.sym")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["warm", str(SPECS / "gl3_tensor.sym")])
    assert "solved" not in second.output and "cache" in second.output


def test_compile_writes_a_standalone_module_that_matches(tmp_path: Path):
    result = runner.invoke(app, ["compile", str(SPECS / "gl3_tensor.sym"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {"GL3Tensor.py", "GL3Tensor.safetensors", "GL3Tensor.json"}
    module_spec = importlib.util.spec_from_file_location("GL3Tensor", tmp_path / "GL3Tensor.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    standalone = module.GL3Tensor()
    x = {"A": torch.randn(3, 9)}
    assert standalone(x)["B"].shape == (3, 9)


@pytest.mark.parametrize("command", ["compile", "info", "warm"])
def test_missing_file_is_exit_2_without_traceback(command: str, tmp_path: Path):
    result = runner.invoke(app, [command, str(tmp_path / "missing.sym")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parents[1].joinpath("specs").glob("*.sym")), ids=str)
def test_info_json_describes_every_example_model(path):
    result = runner.invoke(app, ["info", "--json", str(path)])
    assert result.exit_code == 0, result.output
    for model in json.loads(result.output)["models"]:
        assert model["parameters"] > 0
        for field in model["inputs"] + model["outputs"]:
            assert field["shape"] and field["rep"]


def test_info_reports_the_tensor_product_route_and_what_it_loses():
    result = runner.invoke(app, ["info", str(SPECS / "gaunt_tensor_product.sym")])
    assert result.exit_code == 0, result.output
    for expected in ("impl gaunt, route", "expected float32 relative error", "lost paths vs CG"):
        assert expected in result.output
    report = json.loads(runner.invoke(app, ["info", "--json", str(SPECS / "lj_potential.sym")]).stdout)
    assert "route" in report["models"][0]["method_report"]


def test_info_solves_each_basis_once_and_reports_the_solved_ir(monkeypatch):
    import symc.solvers.equivariant as equivariant
    from symc.cli import model_info

    calls = []
    real = equivariant.solve_equivariant_basis

    def counting(G, rep_in, rep_out, **kwargs):
        calls.append((str(rep_in), str(rep_out)))
        return real(G, rep_in, rep_out, **kwargs)

    monkeypatch.setattr(equivariant, "solve_equivariant_basis", counting)
    info = model_info(symc.load(SPECS / "inertia.sym"))
    assert calls and len(calls) == len(set(calls))
    assert sorted(calls) == sorted((b["rep_in"], b["rep_out"]) for b in info["bases"])

"""The solved IR: a basis model's maps are solved into one value before its modules are built, and the
build reads only that value (no solver call), so ``symc info`` and ``symc warm`` solve each map once."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import symc
import symc.cli
from symc.api import with_dtype
from symc.ir import TensorRep
from symc.layers.bases import BasisProvider
from symc.methods import build_model, record_for
from symc.methods.basis.builder import build_basis_model, solve_basis_model
from symc.solvers.solved import SolvedModel

SPECS = Path(__file__).resolve().parent.parent / "specs"
BASIS_SPECS = ["inertia.sym", "gl3_tensor.sym", "o5_invariant.sym", "lorentz_scattering.sym"]


@pytest.mark.parametrize("name", BASIS_SPECS)
def test_the_build_reads_the_solved_ir_and_solves_nothing(name: str, monkeypatch):
    spec = with_dtype(symc.load(SPECS / name), "float64")
    solved = record_for(spec).solve(spec)
    assert isinstance(solved, SolvedModel) and solved.spec_hash == spec.ir_hash()
    assert len({(m.rep_in, m.rep_out) for m in solved.maps}) == len(solved.maps)

    import symc.solvers.equivariant as equivariant

    def refuse(*args, **kwargs):
        raise AssertionError("the build solved a basis")

    monkeypatch.setattr(equivariant, "solve_equivariant_basis", refuse)
    model = build_model(spec, solved=solved)
    assert model.solved is solved
    served = {(m.rep_in, m.rep_out) for m in model.bases.sources()}
    assert served == {(m.rep_in, m.rep_out) for m in solved.maps}  # planned exactly what the network reads
    for m in solved.maps:
        if m.certificate is not None:
            assert m.certificate.dim == m.dim and m.certificate.residual < 1e-9


def test_a_model_built_from_its_solved_ir_equals_one_built_directly():
    spec = with_dtype(symc.load(SPECS / "inertia.sym"), "float64")
    torch.manual_seed(0)
    direct = build_basis_model(spec)
    torch.manual_seed(0)
    ahead = build_basis_model(spec, solve_basis_model(spec))
    x = {"m": torch.rand(2, 5, 1, dtype=torch.float64), "x": torch.randn(2, 5, 3, dtype=torch.float64)}
    direct, ahead = direct.double(), ahead.double()
    assert torch.equal(direct(x)["I"], ahead(x)["I"])


def test_a_provider_on_solved_ir_refuses_a_map_it_was_not_given():
    spec = symc.load(SPECS / "inertia.sym")
    solved = solve_basis_model(spec)
    provider = BasisProvider(spec.group.geometric_factors[0], solved)
    with pytest.raises(RuntimeError, match="not solved ahead"):
        provider.basis(TensorRep(3), TensorRep(3))


def test_methods_that_solve_nothing_ahead_say_so():
    spec = symc.load(SPECS / "nbody_frames.sym")
    assert record_for(spec).solve(spec) is None
    assert symc.cli.model_info(spec)["bases"] == []

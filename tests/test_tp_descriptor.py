"""TensorProductDescriptor: hash and equality, JSON round trip, flops/memory, routes agreeing, the planner."""

from __future__ import annotations

import itertools
import json

import pytest
import torch

from symc.errors import SymcError
from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.module import TensorProduct
from symc.methods.tensor_product.paths import Path
from symc.methods.tensor_product.planner import ROUTE_NAMES, plan, plan_route
from symc.methods.tensor_product.routes import ROUTES, ROUTES_OF_IMPL, build_route
from symc.so3.irreps import Irreps


def _full(lmax: int, channels: int = 1) -> str:
    return "+".join(f"{channels}x{l}{'eo'[l % 2]}" for l in range(lmax + 1))


DESCRIPTORS = [
    ("0e+1o+2e", "0e+1o+2e", "0e+1o+2e+3o+4e", "gaunt"),
    ("3x0e+3x1o+3x2e", "0e+1o+2e+3o", "3x0e+3x1o+3x2e", "gaunt"),  # shared second operand
    ("2x0o+2x1e+2x2o", "2x0e+2x1o", "2x0o+2x1e+2x2o+2x3e", "gaunt"),  # pseudo-tensors
    ("0e+1o+1e+2e", "1o+2o", "0e+0o+1e+1o+2e+3o+3e", "cg"),
    ("2x1o+2x1o+2x0e", "2x1o+2x0e", "2x0e+2x1e+2x1o+2x2e+2x0e", "cg"),  # repeated irreps, unsorted
]


def test_equal_descriptors_hash_equal_and_differ_by_any_field() -> None:
    a = TensorProductDescriptor.build("0e + 1o", "0e+1o", "1x0e+1x1o", "cg")
    b = TensorProductDescriptor.build(Irreps("0e+1o"), "1x0e+1x1o", "0e+1o", "cg")
    assert a == b and hash(a) == hash(b) and a.digest() == b.digest()
    assert a.irreps1 == "1x0e+1x1o"  # canonical text
    assert len({a, b}) == 1
    others = [
        TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "gaunt"),
        TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "cg", external_weights=True),
        TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o+2e", "cg"),
    ]
    digests = {a.digest(), *(o.digest() for o in others)}
    assert len(digests) == 4 and all(o != a for o in others)
    with pytest.raises(AttributeError):
        a.impl = "gaunt"  # type: ignore[misc]


def test_digest_is_stable_across_processes() -> None:
    """The digest is SHA-256 of canonical JSON: fixed text, not Python's salted ``hash``."""
    d = TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "cg")
    import hashlib

    assert d.digest() == hashlib.sha256(d.to_json().encode()).hexdigest()[:16]
    assert d.to_json() == json.dumps(d.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(("irreps1", "irreps2", "irreps_out", "impl"), DESCRIPTORS)
def test_json_round_trip(irreps1: str, irreps2: str, irreps_out: str, impl: str) -> None:
    d = TensorProductDescriptor.build(irreps1, irreps2, irreps_out, impl, external_weights=impl == "cg")
    text = json.dumps(d.to_dict())
    back = TensorProductDescriptor.from_dict(json.loads(text))
    assert back == d and back.digest() == d.digest()
    assert TensorProductDescriptor.from_json(d.to_json()) == d
    data = d.to_dict()
    assert data["weight_numel"] == d.weight_numel and data["impl"] == impl
    assert len(data["paths"]) == len(data["coefficients"]) == len(d.paths)
    # No tensors anywhere: the descriptor is plain data.
    assert not any(isinstance(v, torch.Tensor) for v in vars(d).values())


def test_from_dict_refuses_paths_that_do_not_fit() -> None:
    data = TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "cg").to_dict()
    with pytest.raises(SymcError, match="do not fit"):
        TensorProductDescriptor.from_dict({**data, "paths": [*data["paths"], [1, 1, 1]], "coefficients": ["cg"] * 5})
    with pytest.raises(SymcError, match="coefficient kinds"):
        TensorProductDescriptor.from_dict({**data, "coefficients": ["cg"]})
    with pytest.raises(SymcError, match="format"):
        TensorProductDescriptor.from_dict({**data, "format": 99})


def test_paths_weights_flops_and_memory_of_a_known_product() -> None:
    """0e+1o ⊗ 0e+1o → 0e+1o (CG): 0⊗0→0, 0⊗1→1, 1⊗0→1, 1⊗1→0 (1o⊗1o→1o has the wrong parity)."""
    d = TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "cg")
    assert d.paths == (Path(0, 0, 0), Path(0, 1, 1), Path(1, 0, 1), Path(1, 1, 0))
    assert d.coefficients == ("cg",) * 4 and d.weight_numel == 4 and d.weight_layout == "per_path"
    assert d.flops(1) == 2 * (1 + 9 + 9 + 9)
    assert d.memory(1) == 4 * (4 + 4 + 4 + 4)
    channels = TensorProductDescriptor.build("8x0e+8x1o", "0e+1o", "8x0e+8x1o", "cg")
    assert channels.shared_second and channels.channels == 8
    assert channels.flops(3) == 8 * 3 * d.flops(1)
    gaunt = TensorProductDescriptor.build("0e+1o+2e", "0e+1o+2e", "0e+1o+2e+3o+4e", "gaunt")
    assert gaunt.weight_numel == 3 + 5 and gaunt.lost_paths() == []
    # The even-l paths only (l1+l2+l3 even): what CG has with parity (−1)^l on every irrep.
    assert len(gaunt.paths) == len(gaunt.cg_paths()) == 14


def test_flops_and_memory_grow_with_batch_and_degree() -> None:
    sizes = [TensorProductDescriptor.build(_full(L), _full(L), _full(2 * L), "gaunt") for L in range(1, 6)]
    for small, large in itertools.pairwise(sizes):
        assert large.flops(1) > small.flops(1) and large.memory(1) > small.memory(1)
        assert len(large.paths) > len(small.paths)
    for d in sizes:
        assert [d.flops(b) for b in (1, 2, 64)] == sorted({d.flops(b) for b in (1, 2, 64)})
        assert d.memory(1) < d.memory(2) < d.memory(64)
    args = ("4x0e+4x1o", "0e+1o", "4x0e+4x1o", "cg")
    shared, per_sample = (TensorProductDescriptor.build(*args, external_weights=e) for e in (False, True))
    assert per_sample.memory(10) - shared.memory(10) == 4 * shared.weight_numel * (10 * 4 - 1)


@pytest.mark.parametrize(("irreps1", "irreps2", "irreps_out", "impl"), DESCRIPTORS)
def test_every_route_executing_a_descriptor_agrees_in_float64(
    irreps1: str, irreps2: str, irreps_out: str, impl: str
) -> None:
    d = TensorProductDescriptor.build(irreps1, irreps2, irreps_out, impl)
    generator = torch.Generator().manual_seed(7)
    d1, d2, _ = d.dims()
    x = torch.randn(6, d1, generator=generator, dtype=torch.float64)
    y = torch.randn(6, d2, generator=generator, dtype=torch.float64)
    w = torch.randn(1, 1, d.weight_numel, generator=generator, dtype=torch.float64)
    outputs = {}
    for name in ROUTES_OF_IMPL[impl]:
        route = build_route(d, name).double()
        assert route.descriptor is d
        outputs[name] = route(x, y, w)
    reference = next(iter(outputs.values()))
    assert reference.abs().max() > 0
    for name, out in outputs.items():
        assert (out - reference).abs().max() < 1e-10, name


def test_module_uses_its_descriptor_and_keeps_its_state_dict() -> None:
    tp = TensorProduct("2x0e+2x1o", "0e+1o", "2x0e+2x1o+2x2e", "gaunt", route="grid")
    assert tp.descriptor == TensorProductDescriptor.build("2x0e+2x1o", "0e+1o", "2x0e+2x1o+2x2e", "gaunt")
    assert tp.executor.name == "grid" and tp.route == "grid"
    assert list(tp.state_dict()) == ["weight"]  # the routes' tables are not saved
    assert tp.descriptor.digest() in tp.describe()
    cg = TensorProduct("2x0e+2x1o", "0e+1o", "2x0e+2x1o+2x1e", "cg", external_weights=True)
    assert cg.route == "cg" and cg.executor.name == f"cg-{cg.cg_layout}" == "cg-blocks"
    assert list(cg.state_dict()) == []


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:1", torch.device("cpu")])
def test_planner_picks_a_route_for_any_device_string(device) -> None:
    for impl in ("gaunt", "cg"):
        d = TensorProductDescriptor.build(_full(4, 4), _full(4, 4), _full(4, 4), impl)
        for batch in (1, 1024, 10**6):
            route, reason = plan(d, device, batch)
            assert route in ROUTE_NAMES and route in ROUTES and route in ROUTES_OF_IMPL[impl] and reason
            if str(device).startswith("cuda"):
                assert "measured on CPU" in reason


def test_planner_matches_the_modules_choice() -> None:
    for lmax in (1, 2, 6):
        d = TensorProductDescriptor.build(_full(lmax), _full(lmax), _full(2 * lmax), "gaunt")
        tp = TensorProduct(_full(lmax), _full(lmax), _full(2 * lmax), "gaunt")
        assert plan(d, "cpu", 1024) == (tp.route, tp.reason)
    assert plan_route(d, "cpu", 1024, route="fft").route == "fft"


def test_a_route_refuses_a_descriptor_it_does_not_execute() -> None:
    d = TensorProductDescriptor.build("0e+1o", "0e+1o", "0e+1o", "cg", external_weights=True)
    with pytest.raises(SymcError, match="does not execute"):
        build_route(d, "grid")
    with pytest.raises(SymcError, match="per-sample weights"):
        build_route(d, "cg-dense")

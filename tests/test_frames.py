"""Frame averaging for O(d)/SO(d)/E(d)/SE(d)/T(d) and S(n): exactness, frame sizes, degenerate inputs, errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import symc
from symc.errors import SymcError
from symc.groups import act_on_field
from symc.methods.frames.measurements import degenerate_errors, degenerate_table
from symc.solvers.frames import euclidean_frames
from symc.solvers.sort_frames import sorting_frames
from symc.testing import assert_equivariant


def spec_text(group: str, inputs: str, outputs: str, backbone: str = "pointnet(hidden = 16, layers = 2)") -> str:
    body = f" group {group}\n input {inputs}\n output {outputs}\n method frames({backbone})\n dtype float64"
    return f"model M {{\n{body}\n}}"


def build(group: str, inputs: str, outputs: str, backbone: str = "pointnet(hidden = 16, layers = 2)"):
    spec = symc.parse(spec_text(group, inputs, outputs, backbone))
    return spec, symc.build(spec)


CASES = [
    ("E(3) x S(n)", "pos: point per point, vel: 1o per point, q: 0e per point", "pos: point per point, e: 0e global",
     "gnn(hidden = 16, layers = 2)"),
    ("O(3) x S(5)", "x: 1o per point", "y: 1o per point, s: 0e global, t: T(2) global", "mlp(hidden = 16, layers = 2)"),
    ("SE(3) x S(n)", "x: point per point, v: T(1) per point", "c: point global, v: 1o per point",
     "pointnet(hidden = 16, layers = 2)"),
    ("SO(2) x S(n)", "x: T(1) per point", "y: T(1) per point, s: T(0) global", "pointnet(hidden = 16, layers = 2)"),
    ("E(2) x S(n)", "x: point per point", "y: point per point", "gnn(hidden = 8, layers = 1)"),
    ("T(3) x S(n)", "x: point per point, v: T(1) per point", "y: point per point", "pointnet(hidden = 8, layers = 1)"),
    ("S(5)", "h: 2xT(0) per point", "y: T(0) per point, z: T(0) global", "mlp(hidden = 16, layers = 2)"),
    ("E(3) x S(4)", "x: point per point", "y: point per point, s: 0e global", "mlp(hidden = 16, layers = 2)"),
    ("E(3)", "x: point per point", "y: point global", "pointnet(hidden = 8, layers = 1)"),
]  # fmt: skip


@pytest.mark.parametrize(("group", "inputs", "outputs", "backbone"), CASES, ids=[c[0] for c in CASES])
def test_frame_averaging_is_exactly_equivariant(group, inputs, outputs, backbone):
    spec, model = build(group, inputs, outputs, backbone)
    n = int(group.split("S(")[1][0]) if "S(" in group and group.split("S(")[1][0].isdigit() else 5
    report = assert_equivariant(model, spec, trials=4, n=n)
    assert report.max_error < 1e-12


@pytest.mark.parametrize(
    ("group", "size"), [("O(3)", 8), ("E(3)", 8), ("SO(3)", 4), ("SE(3)", 4), ("O(2)", 4), ("SO(2)", 2)]
)
def test_generic_clouds_get_the_pca_frame_of_the_paper(group, size):
    position = "x: point per point" if "E" in group else "x: T(1) per point"
    _, model = build(f"{group} x S(n)", position, "s: T(0) global")
    d = int(group[-2])
    model({"x": torch.randn(3, 7, d, dtype=torch.float64)})
    report = model.frame_report()
    assert report == {"route": ["pca"] * 3, "frame_size": [size] * 3, "exact": [True] * 3}
    frames = model.last_frames
    dets = torch.linalg.det(frames.linear)
    assert torch.allclose(dets.abs(), torch.ones_like(dets))
    if group.startswith("S"):
        assert bool((dets > 0).all())


@settings(max_examples=6, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1), rotations_only=st.booleans())
def test_the_frame_is_equivariant_as_a_set(seed, rotations_only):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, 6, 3, generator=g, dtype=torch.float64)
    element = symc.group("SE(3)" if rotations_only else "E(3)").sample(1, generator=g)
    rot, shift = element[0, :3, :3], element[0, :3, 3]
    before = euclidean_frames(x, rotations_only=rotations_only, translate=True)
    after = euclidean_frames(x @ rot.T + shift, rotations_only=rotations_only, translate=True)
    moved = rot @ before.linear
    distance = torch.cdist(moved.flatten(1), after.linear.flatten(1))
    assert distance.min(dim=1).values.max() < 1e-10 and distance.min(dim=0).values.max() < 1e-10
    torch.testing.assert_close(after.origin, (before.origin @ rot.T + shift).expand_as(after.origin))


def test_one_batched_backbone_call_over_every_frame_element():
    calls = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones((), dtype=torch.float64))

        def forward(self, fields):
            calls.append(fields["x"].shape)
            x = fields["x"]
            first = x[:, :1].expand_as(x)  # depends on the canonical pose: not equivariant on its own
            return {"y": self.scale * (x + first.pow(2)), "s": x.pow(3).sum((1, 2)).unsqueeze(-1)}

    spec = symc.parse(spec_text("E(3) x S(n)", "x: point per point", "y: point per point, s: 0e global", "custom"))
    model = symc.build(spec, backbone=Recorder())
    model({"x": torch.randn(5, 6, 3, dtype=torch.float64)})
    assert calls == [torch.Size([5 * 8, 6, 3])], "one call; 8 frame elements per sample, no ties to expand"
    calls.clear()
    report = assert_equivariant(model, spec, trials=4)
    assert report.max_error < 1e-12


def test_unbatched_samples_give_unbatched_outputs():
    _, model = build("E(3) x S(n)", "x: point per point", "y: point per point, s: 0e global")
    x = torch.randn(6, 3, dtype=torch.float64)
    single = model({"x": x})
    batched = model({"x": x.unsqueeze(0)})
    assert single["y"].shape == (6, 3) and single["s"].shape == (1,)
    torch.testing.assert_close(single["y"], batched["y"][0])


TETRAHEDRON = [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]


@pytest.mark.parametrize("group", ["E(3)", "SE(3)", "O(3)", "SO(3)"])
def test_degenerate_inputs_are_handled_and_measured(group):
    position = "point" if "E" in group else "1o"
    _, model = build(f"{group} x S(n)", f"p: {position} per point, v: 1o per point", f"y: {position} per point")
    results = {r.shape: r for r in degenerate_errors(model, trials=3)}
    for shape in ("tetrahedron", "square"):
        assert results[shape].route == "anchored" and results[shape].exact
        assert results[shape].max_error < 1e-12
    collinear = results["collinear"]
    assert collinear.route == "approximate" and not collinear.exact
    assert 0 <= collinear.max_error < 1e-1  # measured, finite, and not claimed exact
    single = results["single point"]
    if "E" in group:
        assert single.max_error is None and "at least 3" in single.refused
    else:
        assert not single.exact and single.max_error is not None
    assert "tetrahedron" in degenerate_table(list(results.values()))


def test_near_degenerate_spectra_switch_to_the_anchored_frame():
    x = torch.tensor([TETRAHEDRON], dtype=torch.float64) * torch.tensor([1.0, 1.0, 1.0 + 1e-9], dtype=torch.float64)
    frames = euclidean_frames(x, rotations_only=False, translate=True)
    assert frames.route.tolist() == [1] and frames.exact.tolist() == [True]
    assert torch.isfinite(frames.linear).all()


def test_points_at_the_centroid_never_give_nan():
    _, model = build("O(3) x S(n)", "p: 1o per point", "y: 1o per point, s: 0e global")
    out = model({"p": torch.zeros(2, 4, 3, dtype=torch.float64)})
    assert all(torch.isfinite(v).all() for v in out.values())
    assert model.frame_report()["exact"] == [False, False]


def test_sorting_frames_average_over_tied_points():
    _, model = build("S(4)", "h: T(0) per point", "y: T(0) per point", "mlp(hidden = 8, layers = 2)")
    h = torch.tensor([[[0.5], [0.5], [-1.0], [2.0]]], dtype=torch.float64)
    y = model({"h": h})["y"]
    assert torch.allclose(y[0, 0], y[0, 1]), "tied points must get equal outputs"
    frames = sorting_frames(h)
    assert frames.order.shape == (2, 4) and frames.exact.tolist() == [True]
    wide = sorting_frames(torch.zeros(1, 6, 1, dtype=torch.float64))  # 6! ties exceed the bound
    assert wide.exact.tolist() == [False] and wide.order.shape == (1, 6)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"x": torch.full((1, 5, 3), float("nan"), dtype=torch.float64)}, r"'x' holds NaN at index \(0, 0, 0\)"),
        (
            {"x": torch.tensor([[[0.0, float("inf"), 0.0]] * 4], dtype=torch.float64)},
            r"'x' holds Inf at index \(0, 0, 1\)",
        ),
        ({"x": torch.zeros(1, 0, 3, dtype=torch.float64)}, "at least 3"),
        ({"x": torch.randn(1, 1, 3, dtype=torch.float64)}, "at least 3"),
        ({"x": torch.randn(1, 2, 3, dtype=torch.float64)}, "at least 3"),
        ({"x": torch.randn(1, 5, 2, dtype=torch.float64)}, "axis 2 has 2 channels, expected 3"),
    ],
)
def test_bad_inputs_raise_one_clear_error(inputs, message):
    _, model = build("E(3) x S(n)", "x: point per point", "y: point per point")
    with pytest.raises(SymcError, match=message):
        model(inputs)


@pytest.mark.parametrize(
    ("group", "inputs", "outputs", "backbone", "message"),
    [
        ("E(3) x S(n)", "x: point per point", "y: point per point", "custom", "needs the module"),
        ("E(3) x S(n)", "x: point per point", "y: point per point", "mlp", "needs a fixed size"),
        ("O(3) x S(n)", "s: 0e per point", "y: 0e global", "pointnet", "no input is a per-point point or vector"),
        ("E(3) x S(n)", "x: point per point, a: 0e per pair", "y: 0e global", "pointnet", "take per-pair fields"),
    ],
)
def test_specs_frames_cannot_serve_are_refused_at_build(group, inputs, outputs, backbone, message):
    with pytest.raises(SymcError, match=message) as info:
        build(group, inputs, outputs, backbone)
    assert info.value.location is not None


def test_field_action_matches_the_frame_map_back():
    """Mapping canonical outputs back with act_on_field is the rigid motion x = L c + o."""
    _, model = build("E(3) x S(n)", "x: point per point", "y: point per point")
    x = torch.randn(1, 5, 3, dtype=torch.float64)
    model({"x": x})
    frames = model.last_frames
    c = torch.randn(frames.linear.shape[0], 5, 3, dtype=torch.float64)
    g = torch.zeros(frames.linear.shape[0], 4, 4, dtype=torch.float64)
    g[:, :3, :3], g[:, :3, 3], g[:, 3, 3] = frames.linear, frames.origin, 1.0
    moved = act_on_field(model.geometric, model.spec.outputs[0], g, c)
    torch.testing.assert_close(moved, c @ frames.linear.transpose(1, 2) + frames.origin[:, None])


def test_summary_counts_the_backbone_parameters():
    _, model = build("E(3) x S(n)", "x: point per point", "y: point per point")
    summary = model.summary(n=20)
    assert summary.parameters == sum(p.numel() for p in model.parameters())
    assert summary.n == 20 and summary.flops > 0


def gnn_spec(locality: str) -> str:
    body = (" group E(3) x S(n)\n input pos: point per point, vel: 1o per point, q: 0e per point\n"
            " output pos: point per point, e: 0e global\n"
            f" locality {locality}\n method frames(gnn(hidden = 16, layers = 2))\n dtype float64")  # fmt: skip
    return f"model M {{\n{body}\n}}"


@pytest.mark.parametrize("locality", ["complete", "knn(k = 3)", "radius(r = 1.5)"])
def test_gnn_shares_one_graph_per_input_and_stays_equivariant(locality):
    """The gnn's neighbourhoods come from the raw input once per sample; the result is the per-element graph's."""
    spec = symc.parse(gnn_spec(locality))
    model = symc.build(spec)
    assert model.backbone.pair_scalars == [6], "charge-like 0e inputs give q_i q_j edge features"
    g = torch.Generator().manual_seed(0)
    inputs = {"pos": torch.randn(3, 8, 3, generator=g, dtype=torch.float64),
              "vel": torch.randn(3, 8, 3, generator=g, dtype=torch.float64),
              "q": torch.randn(3, 8, 1, generator=g, dtype=torch.float64)}  # fmt: skip
    shared = model(inputs)
    model._shared_graph = lambda values, owner: None  # every frame element builds its own graph
    separate = model(inputs)
    del model._shared_graph
    for name in shared:
        torch.testing.assert_close(shared[name], separate[name], rtol=0, atol=1e-12)
    assert assert_equivariant(model, spec, trials=4, n=8).max_error < 1e-12


def test_split_layers_compute_the_concatenated_mlp():
    """PointNet's broadcast layers and the gnn's messages equal the MLPs on concatenated inputs."""
    from symc.methods.frames.backbones import MessagePassing, broadcast_linear

    g = torch.Generator().manual_seed(1)
    layer = nn.Linear(7, 5).double()
    x, s = torch.randn(2, 4, 3, generator=g, dtype=torch.float64), torch.randn(2, 4, generator=g, dtype=torch.float64)
    torch.testing.assert_close(broadcast_linear(layer, x, s), layer(torch.cat([x, s[:, None].expand(-1, 4, -1)], -1)))
    net = MessagePassing(4, 0, 2, 0, 8, 1, pair_scalars=(3,)).double()
    feats, pos = (
        torch.randn(2, 4, 4, generator=g, dtype=torch.float64),
        torch.randn(2, 4, 3, generator=g, dtype=torch.float64),
    )
    message = net.messages[0]
    h = net.embed(feats)[0, [1, 3]].unsqueeze(0)  # two points of sample 0, each the other's only neighbour
    rel = pos[0, 3] - pos[0, 1]
    pair = feats[0, 1, 3] * feats[0, 3, 3]
    edges = torch.stack([torch.cat([rel, rel.norm().view(1), pair.view(1)]),
                         torch.cat([-rel, rel.norm().view(1), pair.view(1)])]).view(1, 2, 1, 5)  # fmt: skip
    by_hand = message.out(
        nn.functional.silu(message.own(h[0, 0]) + message.other(h[0, 1]) + message.edge(edges[0, 0, 0]))
    )
    via_layer = message(h, torch.tensor([1, 0]), edges, None, h.new_ones(1, 2, 1))
    torch.testing.assert_close(via_layer[0, 0], by_hand)


@pytest.mark.parametrize("backbone", ["pointnet(hidden = 8, layers = 2)", "gnn(hidden = 8, layers = 2)"])
def test_blocks_of_samples_give_the_batched_result(backbone, monkeypatch):
    """Backbones run in cache-sized blocks of samples; the blocks reproduce the one-block result exactly."""
    from symc.methods.frames import backbones as frame_backbones

    spec = symc.parse(gnn_spec("knn(k = 3)").replace("gnn(hidden = 16, layers = 2)", backbone))
    model = symc.build(spec)
    g = torch.Generator().manual_seed(2)
    inputs = {name: torch.randn(5, 7, dim, generator=g, dtype=torch.float64) for name, dim in
              (("pos", 3), ("vel", 3), ("q", 1))}  # fmt: skip
    whole = model(inputs)
    monkeypatch.setattr(frame_backbones, "BLOCK_ELEMENTS", 1)  # one sample per block
    blocked = model(inputs)
    for name in whole:
        torch.testing.assert_close(blocked[name], whole[name], rtol=0, atol=1e-13)


@pytest.mark.parametrize(
    ("group", "field"),
    [("E(3)", "x: point per point"), ("E(3)", "x: 1o per point"), ("O(3)", "x: 1o global"), ("E(2)", "x: T(1) global"),
     ("GL+(3)", "x: T(1) per point"), ("Aff+(2)", "x: point per point"), ("O(3)", "x: 0e per point")],
)  # fmt: skip
def test_fast_field_action_matches_act_on_field(group, field):
    """Scalars, vectors and points skip act_on_field's general machinery; the result is the same."""
    position = "p: point per point" if group[0] in "EA" else "p: T(1) per point"
    spec = symc.parse(spec_text(group, f"{position}, {field}", "s: T(0) global"))
    model = symc.build(spec)
    f = spec.inputs[1]
    g = model.geometric.sample(6, generator=torch.Generator().manual_seed(3)).to(torch.float64)
    x = torch.randn(6, *((4,) if f.order == 1 else ()), model.packer.inputs[1].dim, dtype=torch.float64)
    torch.testing.assert_close(model._act(f, g, x), act_on_field(model.geometric, f, g, x))

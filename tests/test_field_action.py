"""Field actions: shapes, composition for every order, affine points and the permutation convention."""

from __future__ import annotations

import pytest
import torch

from symc.errors import SymcError
from symc.frontend import parse_group
from symc.frontend import parse_rep as parse_rep_text
from symc.groups import act_on_field, field_shape, group
from symc.ir import FieldSpec, GroupFactor, GroupSpec

F64 = torch.float64


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def field(rep_text: str, order: int) -> FieldSpec:
    return FieldSpec("f", parse_rep_text(rep_text), order)


def compose(a, b):
    return tuple(x @ y for x, y in zip(a, b, strict=True)) if isinstance(a, tuple) else a @ b


@pytest.mark.parametrize(
    ("group_text", "rep_text", "order", "expected"),
    [
        ("SO(3)", "1o", 0, (3,)),
        ("E(3) x S(n)", "point", 1, ("n", 3)),
        ("E(3) x S(n)", "point + 1o + 2x0e", 1, ("n", 8)),
        ("SO(3) x S(m)", "T(1)", 2, ("m", "m", 3)),
        ("O(3) x S(5)", "frame", 1, (5, 9)),
        ("S(n)", "3xT(0)", 1, ("n", 3)),
        ("GL+(3)", "T(1,1)", 2, ("n", "n", 9)),
        ("SO+(1,3)", "T(1)", 1, ("n", 4)),
    ],
)
def test_field_shape(group_text: str, rep_text: str, order: int, expected: tuple) -> None:
    assert field_shape(parse_group(group_text), field(rep_text, order)) == expected


def test_field_shape_errors() -> None:
    with pytest.raises(SymcError, match="no geometric factor"):
        field_shape(parse_group("S(n)"), field("T(1)", 1))
    with pytest.raises(SymcError, match="inside"):
        field_shape(parse_group("E(3)"), field("point * 1o", 0))
    with pytest.raises(SymcError, match="ambiguous"):
        field_shape(GroupSpec((GroupFactor("SO", (3,)), GroupFactor("SO", (2,)))), field("T(1)", 0))


COMPOSITION_CASES = [
    ("E(3) x S(5)", "point", 1),
    ("E(3) x S(5)", "point + 1o + 0e", 1),
    ("E(3) x S(5)", "frame", 1),
    ("SE(3) x S(4)", "1e + 2e", 2),
    ("SO(3) x S(4)", "T(2)", 2),
    ("O(3)", "1o * 1o", 0),
    ("GL+(3)", "T(1,1)", 1),
    ("Aff+(2)", "point", 1),
    ("SO+(1,3) x S(3)", "T(1)", 1),
    ("S(6)", "2xT(0)", 1),
    ("S(6)", "T(0)", 2),
    ("S(6)", "T(0)", 0),
]


@pytest.mark.parametrize(("group_text", "rep_text", "order"), COMPOSITION_CASES)
def test_actions_compose(group_text: str, rep_text: str, order: int) -> None:
    g = group(group_text)
    f = field(rep_text, order)
    shape = field_shape(parse_group(group_text), f)
    permutation = parse_group(group_text).permutation_factor
    n = permutation.args[0] if permutation is not None else 6
    concrete = tuple(n if isinstance(s, str) else s for s in shape)
    x = torch.randn(3, *concrete, generator=seeded(1), dtype=F64)
    g1, g2 = g.sample(3, generator=seeded(2)), g.sample(3, generator=seeded(3))
    twice = act_on_field(g, f, g2, act_on_field(g, f, g1, x))
    once = act_on_field(g, f, compose(g2, g1), x)
    scale = max(1.0, float(once.abs().max()))
    assert float((twice - once).abs().max()) <= 1e-11 * scale
    unmoved = act_on_field(g, f, g.identity(3), x)
    torch.testing.assert_close(unmoved, x, atol=1e-13, rtol=0)


def test_points_move_affinely_and_permutations_follow_sigma() -> None:
    g = group("E(3) x S(4)")
    f = field("point", 1)
    x = torch.randn(2, 4, 3, generator=seeded(4), dtype=F64)
    euclidean, permutation = g.sample(2, generator=seeded(5))
    rotation, translation = euclidean[:, :3, :3], euclidean[:, :3, 3]
    moved = act_on_field(g, f, (euclidean, permutation), x)
    sigma = permutation.argmax(dim=1)  # P[σ(i), i] = 1
    expected = torch.empty_like(x)
    for b in range(2):
        for i in range(4):
            expected[b, sigma[b, i]] = rotation[b] @ x[b, i] + translation[b]
    torch.testing.assert_close(moved, expected)


def test_pair_fields_permute_both_axes() -> None:
    g = group("S(5)")
    f = field("T(0)", 2)
    x = torch.randn(1, 5, 5, 1, generator=seeded(6), dtype=F64)
    p = g.sample(1, generator=seeded(7))
    moved = act_on_field(g, f, p, x)
    sigma = p[0].argmax(dim=0)
    for i in range(5):
        for j in range(5):
            assert moved[0, sigma[i], sigma[j], 0] == x[0, i, j, 0]


def test_frames_are_left_multiplied_and_vectors_rotate() -> None:
    g = group("O(3)")
    frames = g.sample(2, generator=seeded(8))
    elements = g.sample(2, generator=seeded(9))
    moved = act_on_field(g, field("frame", 0), elements, frames.reshape(2, 9))
    torch.testing.assert_close(moved.reshape(2, 3, 3), elements @ frames)
    vectors = torch.randn(2, 3, generator=seeded(10), dtype=F64)
    pseudo = act_on_field(g, field("1e", 0), elements, vectors)
    det = torch.linalg.det(elements)[:, None]
    torch.testing.assert_close(pseudo, det * (elements @ vectors[..., None])[..., 0])


def test_wrong_element_count_is_rejected() -> None:
    g = group("SO(3) x S(4)")
    with pytest.raises(ValueError, match="element tensors"):
        act_on_field(g, field("T(1)", 1), g.sample(1)[0], torch.zeros(1, 4, 3, dtype=F64))

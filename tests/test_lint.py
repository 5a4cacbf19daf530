"""Lint: outputs no equivariant map can reach are reported with their location."""

from __future__ import annotations

import pytest

from symc import lint
from symc.frontend import parse

pytest.importorskip("symc.solvers", reason="lint asks the basis solver")


def spec(group: str, inputs: str, outputs: str, method: str = "basis"):
    return parse(f"model M {{\n  group {group}\n  input {inputs}\n  output {outputs}\n  method {method}\n}}\n")


def test_parity_forbidden_output_is_unreachable_under_o3():
    warnings = lint(spec("O(3)", "x: 1o", "w: 1e"))
    assert len(warnings) == 1
    (warning,) = warnings
    assert "output 'w' is unreachable" in warning.message
    assert "O(3) maps 1o→1e" in warning.message
    assert (warning.location.line, warning.location.column) == (4, 10)
    assert "SO(3)" in warning.hint


def test_same_map_has_parameters_under_so3():
    assert lint(spec("SO(3)", "x: 1o", "w: 1e")) == []


def test_invariant_part_or_any_reaching_input_silences_the_warning():
    # T(2) of O(3) contains the invariant identity, so a bias reaches it even from a vector.
    assert lint(spec("O(3)", "x: T(1)", "I: T(2)")) == []
    assert lint(spec("O(3)", "x: 1o, s: 1e", "w: 1e")) == []


def test_only_unreachable_outputs_are_reported_and_symbolic_sets_are_handled():
    warnings = lint(spec("O(3) x S(n)", "x: 1o", "v: 1o global, w: 1e global"))
    assert [w.location.column for w in warnings] == [24]
    assert "'w'" in warnings[0].message


def test_points_count_as_vectors():
    assert lint(spec("E(3) x S(n)", "p: point", "q: point global")) == []
    assert len(lint(spec("E(3) x S(n)", "p: point", "q: 1e global"))) == 1


def test_lint_checks_basis_models_only():
    assert lint(spec("E(3) x S(n)", "p: point", "q: 1e global", "frames(pointnet)")) == []
    assert lint(spec("S(n)", "h: T(0)", "y: T(0) global")) == []


def test_two_vectors_reach_a_pseudovector_only_through_their_cross_product():
    (warning,) = lint(spec("O(3)", "x: 1o, y: 1o", "w: 1e"))
    assert "no linear path" in warning.message
    assert "unreachable" not in warning.message
    assert (warning.location.line, warning.location.column) == (4, 10)


def test_a_point_set_forms_pseudovectors_from_products_of_distinct_points():
    (warning,) = lint(spec("E(3) x S(n)", "p: point", "q: 1e global"))
    assert "only products of inputs" in warning.message

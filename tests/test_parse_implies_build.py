"""The spec is judged once: a spec that ``symc.parse`` accepts, ``symc.build`` builds.

Every spec error is raised by the frontend (with location and hint), against the method's record and its
``rules.judge``; the builders refuse nothing a spec says. Checked on every model of ``specs/*.sym`` and on
500 specs drawn by ``tests/spec_corpus.py`` (all methods, localities, group families, reps, field orders and
knobs): parse succeeding implies build raises nothing at all. The corpus statistics are asserted too, so the
property cannot hold vacuously (most of the corpus refused at parse, or a method never reaching its builder).

What a builder may still refuse is not about the spec: the module for ``frames(backbone = custom)`` is an
argument of ``symc.build`` (passed here), and forward-time checks of the tensors a user passes.
"""

from __future__ import annotations

import collections
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from spec_corpus import FAMILIES, LOCALITIES, model_specs

import symc
from symc.errors import SymcError
from symc.frontend import parse_program
from symc.ir import CallValue, ModelSpec

SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").glob("*.sym"))
BUILT_METHODS = ("basis", "frames", "attributes", "tensor_product")  # `soft` is planned: refused at parse
MIN_PARSED_SHARE = 0.4
MIN_FAMILIES = 11  # of the 13 families of the catalogue (S included), among the parsed specs


class _UserBackbone(torch.nn.Module):
    """Stands in for the module ``frames(backbone = custom)`` asks ``symc.build`` for (never run here)."""

    def forward(self, fields: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return fields


def _needs_user_backbone(spec: ModelSpec) -> bool:
    backbone = spec.method.get("backbone")
    name = backbone.name if isinstance(backbone, CallValue) else backbone
    return spec.method.name == "frames" and name == "custom"


def build(spec: ModelSpec) -> torch.nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "Initializing zero-element tensors is a no-op"
        return symc.build(spec, backbone=_UserBackbone() if _needs_user_backbone(spec) else None)


def _models(path: Path) -> list[ModelSpec]:
    return list(parse_program(path.read_text(encoding="utf-8"), filename=str(path)).models)


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_example_spec_builds(path):
    for spec in _models(path):
        assert isinstance(build(spec), torch.nn.Module), spec.name


def _built_or_report(text: str, spec: ModelSpec) -> None:
    try:
        build(spec)
    except SymcError as err:
        raise AssertionError(
            f"symc.parse accepted this spec, but symc.build refused it:\n{text}\n{err.render()}\n"
            "move the rule into the method's rules.judge (or its record's Accepts)"
        ) from err


def test_generated_specs_that_parse_also_build():
    stats: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=500,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(model_specs())
    def parse_then_build(text: str) -> None:
        stats["drawn"] += 1
        try:
            spec = symc.parse(text)
        except SymcError as err:
            event(f"refused at parse: {err.message.split(';')[0][:60]}")
            return
        stats["parsed"] += 1
        stats[f"method {spec.method.name}"] += 1
        stats[f"locality {spec.locality.kind}"] += 1
        for factor in spec.group.factors:
            stats[f"family {factor.family}"] += 1
        event(f"parsed: method {spec.method.name}, locality {spec.locality.kind}")
        _built_or_report(text, spec)

    parse_then_build()
    print("corpus:", ", ".join(f"{k}: {v}" for k, v in sorted(stats.items())))  # shown with pytest -s
    assert stats["drawn"] >= 500, stats
    assert stats["parsed"] >= MIN_PARSED_SHARE * stats["drawn"], f"too few generated specs parse: {stats}"
    for method in BUILT_METHODS:
        assert stats[f"method {method}"] >= 10, f"method {method} rarely parses: {stats}"
    for kind in LOCALITIES:
        assert stats[f"locality {kind}"] >= 5, f"locality {kind} rarely parses: {stats}"
    reached = [family for family in (*FAMILIES, "S") if stats[f"family {family}"]]
    assert len(reached) >= MIN_FAMILIES, f"only the families {reached} reach a builder: {stats}"

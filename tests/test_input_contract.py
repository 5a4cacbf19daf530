"""One field contract for every method: the same input mistakes get the same messages, naming the field and the
spec line that declares it, whatever the method. The rendered messages are golden (``tests/golden/``); rewrite
them with ``SYMC_UPDATE_GOLDEN=1 pytest tests/test_input_contract.py`` after a deliberate change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

import symc
from symc.errors import SymcError
from symc.methods import record_for, records

GOLDEN = Path(__file__).parent / "golden" / "input_mistakes.txt"

# One model per built method record, all with the same two inputs: x (3 channels per point) and c (1 per point).
SPECS = {
    "basis": ("E(3) x S(n)", "x: point per point, c: 0e per point", "complete", "basis"),
    "subgraphs": ("S(n)", "x: 3xT(0) per point, c: T(0) per point", "ego(k = 1)", "basis"),
    "frames": ("E(3) x S(n)", "x: point per point, c: 0e per point", "complete", "frames(backbone = pointnet)"),
    "piecewise frames": (
        "piecewise E(3) x S(n)",
        "x: point per point, c: 0e per point",
        "complete",
        "frames(backbone = pointnet(hidden = 8, layers = 1), parts = 2)",
    ),
    "attributes": ("E(3) x S(n)", "x: point per point, c: 0e per point", "radius(r = 2.0)", "attributes"),
    "tensor_product": ("E(3) x S(n)", "x: point per point, c: 0e per point", "complete", "tensor_product(lmax = 1)"),
}
INPUT_LINE = 3  # the `input` statement's line in every spec text below


def spec_text(name: str) -> str:
    group, inputs, locality, method = SPECS[name]
    output = "T(0)" if group == "S(n)" else "0e"
    return (
        f"model M {{\n  group {group}\n  input {inputs}\n  output e: {output} global\n"
        f"  locality {locality}\n  method {method}\n}}\n"
    )


def good(batch: int = 2, n: int = 5) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return {"x": torch.randn(batch, n, 3, generator=gen), "c": torch.randn(batch, n, 1, generator=gen)}


def with_nan() -> dict[str, torch.Tensor]:
    values = good()
    values["x"][1, 2, 0] = float("nan")
    return values


MISTAKES: dict[str, tuple[Callable[[], object], str | None]] = {
    # name: (the inputs, the field the message must name; None: the model's contract as a whole)
    "not a dict": (lambda: [good()["x"], good()["c"]], None),
    "missing field": (lambda: {"x": good()["x"]}, "c"),
    "misspelt field": (lambda: {"X": good()["x"], "c": good()["c"]}, "x"),
    "wrong channels": (lambda: good() | {"x": torch.randn(2, 5, 2)}, "x"),
    "channel axis missing": (lambda: good() | {"c": torch.randn(2, 5)}, "c"),
    "points disagree": (lambda: good() | {"c": torch.randn(2, 4, 1)}, "c"),
    "batches disagree": (lambda: good() | {"c": torch.randn(3, 5, 1)}, "c"),
    "float64 into float32": (lambda: good() | {"x": good()["x"].double()}, "x"),
    "integer tensor": (lambda: good() | {"c": torch.ones(2, 5, 1, dtype=torch.long)}, "c"),
    "numpy array": (lambda: good() | {"x": np.zeros((2, 5, 3), dtype=np.float32)}, "x"),
    "NaN": (with_nan, "x"),
    "batch of zero": (lambda: good(batch=0), "x"),
    "another device": (lambda: good() | {"x": torch.empty(2, 5, 3, device="meta")}, "x"),
}


def models() -> dict[str, torch.nn.Module]:
    if not hasattr(models, "cache"):
        models.cache = {name: symc.build(spec_text(name)) for name in SPECS}
    return models.cache


def message(method: str, mistake: str) -> SymcError:
    inputs, _ = MISTAKES[mistake]
    with pytest.raises(SymcError) as raised:
        models()[method](inputs())
    return raised.value


def test_every_built_method_is_covered() -> None:
    covered = {record_for(symc.parse(spec_text(name))).name for name in SPECS}
    assert covered == {r.name for r in records() if not r.planned}


@pytest.mark.parametrize("method", SPECS)
def test_good_inputs_run_in_every_form(method: str) -> None:
    model = models()[method]
    batched = model(good())
    assert batched["e"].shape == (2, 1) and torch.isfinite(batched["e"]).all()
    single = model({k: v[0] for k, v in good().items()})
    assert single["e"].shape == (1,)
    widened = model({k: v.half() for k, v in good().items()})  # float16 -> float32 is lossless, so it is cast
    assert widened["e"].dtype == torch.float32


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("method", SPECS)
def test_mistakes_name_the_field_and_its_spec_line(method: str, mistake: str) -> None:
    error = message(method, mistake)
    _, field = MISTAKES[mistake]
    assert error.location is not None, error
    if field is None:
        assert error.location.line == 1 and "takes a dict" in error.message
    else:
        assert f"'{field}'" in error.message, error
        assert error.location.line == INPUT_LINE and error.location.line_text.lstrip().startswith("input")


@pytest.mark.parametrize("mistake", MISTAKES)
def test_every_method_says_it_the_same_way(mistake: str) -> None:
    texts = {method: message(method, mistake).message for method in SPECS}
    assert len(set(texts.values())) == 1, texts


def test_messages_match_the_golden_file() -> None:
    rendered = "".join(f"## {mistake}\n{message('basis', mistake).render()}\n\n" for mistake in MISTAKES)
    if os.environ.get("SYMC_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(rendered)
    assert rendered == GOLDEN.read_text(), "a message changed: review it, then SYMC_UPDATE_GOLDEN=1"


def test_allow_nonfinite_lets_nan_through() -> None:
    model = symc.build(spec_text("basis"), allow_nonfinite=True)
    assert torch.isnan(model(with_nan())["e"]).any()
    model.allow_nonfinite = False
    with pytest.raises(SymcError, match=r"'x' holds NaN at index \(1, 2, 0\)"):
        model(with_nan())


def test_unbatched_nan_reports_the_users_index() -> None:
    values = {k: v[1] for k, v in with_nan().items()}
    with pytest.raises(SymcError, match=r"'x' holds NaN at index \(2, 0\)"):
        models()["basis"](values)

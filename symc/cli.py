"""The ``symc`` command line: ``compile``, ``check``, ``info``, ``warm``.

Every ``SymcError`` is printed as its rendered message (location, caret, hint) with exit code 2, never
as a traceback. ``check`` exits with 1 when a model is not equivariant. torch and the pipeline are
imported inside the commands so that ``symc --help`` stays fast.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from symc import ir
from symc.errors import SymcError

EXIT_NOT_EQUIVARIANT = 1
EXIT_SPEC_ERROR = 2

app = typer.Typer(
    name="symc",
    help="symc: compile declarative symmetry specs (.sym) into equivariant PyTorch modules, and check them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _print_error(error: SymcError) -> None:
    err_console.print(error.render(), markup=False, soft_wrap=True)


def _reports_spec_errors(command: Callable) -> Callable:
    """Turn a ``SymcError`` escaping a command into its rendered message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SymcError as error:
            _print_error(error)
            raise typer.Exit(EXIT_SPEC_ERROR) from None

    return wrapper


def spec_files(paths: list[Path]) -> list[Path]:
    """The ``.sym`` files named by ``paths``; a directory contributes its top-level ``*.sym`` files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.sym"))
            if not found:
                raise SymcError(f"no .sym files in directory '{path}'", hint="specs are files ending in .sym")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise SymcError(f"no such spec file or directory: '{path}'")
    return files


def _models(path: Path) -> Iterator[ir.ModelSpec]:
    from symc.api import load_program

    yield from load_program(path).models


def _build(spec: ir.ModelSpec, dtype: str | None = None):
    from symc.api import build, with_dtype

    return build(with_dtype(spec, dtype) if dtype else spec)


# ---- compile -----------------------------------------------------------------------------------------


@app.command("compile")
@_reports_spec_errors
def compile_command(
    spec: Annotated[Path, typer.Argument(help="the .sym file")],
    out: Annotated[Path, typer.Option("-o", "--out", help="directory for the generated files")] = Path("."),
) -> None:
    """Parse, lint, solve and build every model of SPEC; write a standalone module per model into OUT."""
    from symc.methods import record_for, records

    for model_spec in _models(spec):
        record = record_for(model_spec)
        for warning in record.lint(model_spec):
            err_console.print(str(warning), markup=False, soft_wrap=True)
        if record.write_module is None:
            writers = ", ".join(dict.fromkeys(r.method for r in records() if r.write_module is not None))
            raise SymcError(
                f"symc compile cannot write a standalone module for method {model_spec.method.name} "
                f"with locality {model_spec.locality.kind} yet",
                model_spec.method.loc,
                f"it writes: method {writers}; symc.build(spec) builds this model in Python",
            )
        written = record.write_module(_build(model_spec), out)
        console.print(f"model {model_spec.name}: wrote {', '.join(str(p) for p in written)}", markup=False)


# ---- check -------------------------------------------------------------------------------------------


def _report_table(report, approximate: frozenset[str] = frozenset()) -> Table:
    """The per-factor table of an equivariance report; rows named in ``approximate`` are measured, not judged."""
    table = Table(title=f"{report.model} ({str(report.dtype).removeprefix('torch.')})", title_justify="left")
    for column, justify in (
        ("factor", "left"),
        ("trials", "right"),
        ("max rel. error", "right"),
        ("tolerance", "right"),
        ("verdict", "left"),
    ):
        table.add_column(column, justify=justify)
    for row in report.results:
        verdict = "[green]ok[/green]" if row.passed else "[bold red]FAIL[/bold red]"
        if row.factor in approximate:
            verdict = "[yellow]approx.[/yellow]"
        table.add_row(row.factor, str(row.trials), f"{row.max_error:.2e}", f"{row.tolerance:.0e}", verdict)
    return table


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help=".sym files or directories (their top-level *.sym)")],
    trials: Annotated[int, typer.Option(min=1, help="hypothesis examples per group factor")] = 25,
    n: Annotated[int, typer.Option(min=1, help="set size for symbolic S(n)")] = 5,
) -> None:
    """Build every model in float64 and property-test its equivariance, factor by factor.

    Approximate models (their method's record says so, e.g. ``attributes(orientations = N)``) have their
    geometric error printed as measured, and only their permutation factors are judged.
    Exit code 0: all (approximately) equivariant; 1: some model is not; 2: a spec error (with its location).
    """
    import torch

    from symc.methods import record_for
    from symc.testing import EquivarianceError, assert_equivariant

    failures = errors = passed = approximate = 0
    try:
        files = spec_files(paths)
    except SymcError as error:
        _print_error(error)
        raise typer.Exit(EXIT_SPEC_ERROR) from None
    for path in files:
        try:
            for model_spec in _models(path):
                record = record_for(model_spec)
                try:
                    model = _build(model_spec, dtype="float64")
                    report = assert_equivariant(model, model_spec, trials=trials, n=n, dtype=torch.float64)
                    failed = False
                except EquivarianceError as failure:
                    report, failed = failure.report, True
                if record.exact(model_spec):
                    console.print(_report_table(report))
                    passed += not failed
                else:
                    # Never judged exact: the geometric error is reported as measured, permutations must hold.
                    exact = {str(f) for f in model_spec.group.factors if f.is_permutation}
                    measured = frozenset(row.factor for row in report.results) - exact
                    console.print(_report_table(report, measured))
                    failed = any(not row.passed for row in report.results if row.factor in exact)
                    approximate += not failed
                for extra in record.measure(model, model_spec, n):
                    console.print(extra, markup=False)
                failures += failed
        except SymcError as error:
            _print_error(error)
            errors += 1
    measured = f"{approximate} approximately equivariant (measured error), " if approximate else ""
    tally = f"{failures} not equivariant, {errors} spec errors ({len(files)} files)"
    console.print(f"{passed} equivariant, {measured}{tally}")
    if errors:
        raise typer.Exit(EXIT_SPEC_ERROR)
    if failures:
        raise typer.Exit(EXIT_NOT_EQUIVARIANT)


# ---- info --------------------------------------------------------------------------------------------


def _factor_info(factor: ir.GroupFactor) -> dict[str, Any]:
    return {
        "text": str(factor),
        "family": factor.family,
        "args": list(factor.args),
        "piecewise": factor.piecewise,
        "kind": "permutation" if factor.is_permutation else "geometric",
    }


def _field_info(group: ir.GroupSpec, field: ir.FieldSpec) -> dict[str, Any]:
    from symc.groups import field_shape

    return {
        "name": field.name,
        "shape": list(field_shape(group, field)),
        "rep": str(field.rep),
        "order": ir.order_name(field.order),
    }


def model_info(spec: ir.ModelSpec) -> dict[str, Any]:
    """The machine-readable description ``symc info --json`` prints for one model (builds it: solves bases)."""
    from symc.methods import build_model, record_for

    record = record_for(spec)
    solved = record.solve(spec)  # once: the build and the certificates below read the same solved IR
    model = build_model(spec, solved=solved)
    summary = record.summarise(model, None)
    return {
        "name": spec.name,
        "file": spec.source,
        "ir_hash": spec.ir_hash(),
        "canonical": spec.canonical_text(),
        "group": {"text": str(spec.group), "factors": [_factor_info(f) for f in spec.group.factors]},
        "inputs": [_field_info(spec.group, f) for f in spec.inputs],
        "outputs": [_field_info(spec.group, f) for f in spec.outputs],
        "method": str(spec.method),
        "locality": str(spec.locality),
        "dtype": str(model.dtype).removeprefix("torch."),
        "parameters": summary.parameters,
        "flops": summary.flops,
        "flops_at_n": summary.n,
        "layers": [
            {
                "name": layer.name,
                "blocks_in": layer.blocks_in,
                "blocks_out": layer.blocks_out,
                "parameters": layer.parameters,
                "flops": layer.flops,
                "bases": [
                    {"rep_in": u.rep_in, "rep_out": u.rep_out, "dim": u.dim, "ops": u.ops, "source": u.source}
                    for u in layer.bases
                ],
            }
            for layer in summary.layers
        ],
        "bases": solved.certificates() if solved is not None else [],
        "method_report": record.describe(model),
    }


def _print_model_info(info: dict[str, Any]) -> None:
    console.rule(f"model {info['name']}  ({info['file']})")
    console.print(info["canonical"], markup=False)
    console.print(
        f"group factors: {', '.join(f['text'] + ' (' + f['kind'] + ')' for f in info['group']['factors'])}",
        markup=False,
    )
    fields = Table(title="fields (shapes without the batch axis)", title_justify="left")
    for column in ("direction", "name", "order", "shape", "rep"):
        fields.add_column(column)
    for direction in ("inputs", "outputs"):
        for f in info[direction]:
            shape = "(" + ", ".join(str(s) for s in f["shape"]) + ")"
            fields.add_row(direction[:-1], f["name"], f["order"], shape, f["rep"])
    console.print(fields)
    layers = Table(title="layers (basis dimension per map between single copies)", title_justify="left")
    for column, justify in (("layer", "left"), ("basis dims", "left"), ("parameters", "right"), ("FLOPs", "right")):
        layers.add_column(column, justify=justify)
    for layer in info["layers"]:
        distinct = {(b["rep_in"], b["rep_out"]): b["dim"] for b in layer["bases"]}
        dims = ", ".join(f"{a}->{b}: {d}" for (a, b), d in distinct.items() if d)
        empty = sum(1 for d in distinct.values() if not d)
        if empty:
            dims += f" ({empty} maps with no parameters)"
        layers.add_row(layer["name"], dims, str(layer["parameters"]), str(layer["flops"]))
    console.print(layers, markup=False)
    bases = Table(title="solved bases (certificates)", title_justify="left")
    for column in ("map", "dim", "predicted", "residual", "gap", "route", "from"):
        bases.add_column(column)
    for b in info["bases"]:
        c = b["certificate"]
        predicted = "n/a" if c["predicted_dim"] is None else str(c["predicted_dim"])
        bases.add_row(
            f"{b['rep_in']} -> {b['rep_out']}",
            str(b["dim"]),
            predicted,
            f"{c['residual']:.1e}",
            f"{c['singular_gap']:.1e}",
            c["route"],
            b["source"],
        )
    if info["bases"]:
        console.print(bases, markup=False)
    if info["method_report"]:
        console.print(info["method_report"], markup=False)
    at = f" at n = {info['flops_at_n']}" if info["flops_at_n"] is not None else ""
    console.print(f"{info['parameters']} parameters, ~{info['flops']} FLOPs per sample{at}, dtype {info['dtype']}")


@app.command()
@_reports_spec_errors
def info(
    spec: Annotated[Path, typer.Argument(help="the .sym file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the machine-readable contract")] = False,
) -> None:
    """Print the IR, field shapes and reps, basis dimensions, parameters, FLOPs and solver certificates."""
    infos = [model_info(model_spec) for model_spec in _models(spec)]
    if as_json:
        typer.echo(json.dumps({"models": infos}, indent=2))
        return
    for entry in infos:
        _print_model_info(entry)


# ---- warm --------------------------------------------------------------------------------------------


@app.command()
@_reports_spec_errors
def warm(spec: Annotated[list[Path], typer.Argument(help=".sym files or directories")]) -> None:
    """Pre-solve every basis the specs' models need (their solved IR), filling the on-disk cache."""
    from symc.methods import record_for
    from symc.solvers import cache_dir

    for path in spec_files(spec):
        for model_spec in _models(path):
            start = time.perf_counter()
            solved = record_for(model_spec).solve(model_spec)
            seconds = time.perf_counter() - start
            sources = [m.source for m in solved.maps] if solved is not None else []
            counts = {kind: sources.count(kind) for kind in sorted(set(sources))}
            detail = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "none needed"
            console.print(f"model {model_spec.name}: {len(sources)} bases ({detail}) in {seconds:.2f} s", markup=False)
    console.print(f"cache: {cache_dir()}", markup=False)


def main() -> None:
    """Console-script entry point (``symc``)."""
    app()


if __name__ == "__main__":
    main()

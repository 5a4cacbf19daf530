"""``method basis``: stacked equivariant linear layers and nonlinearities, and its standalone code generator.

``RECORD`` is what the rest of symc knows of the method; ``builder`` and ``codegen`` load on first use.
"""

from __future__ import annotations

from symc.methods.basis import rules
from symc.methods.record import Accepts, MethodRecord, Signature


def _build(spec, backbone, solved):
    from symc.methods.basis.builder import build_basis_model

    return build_basis_model(spec, solved)


def _solve(spec):
    from symc.methods.basis.builder import solve_basis_model

    return solve_basis_model(spec)


def _lint(spec):
    from symc.methods.basis.lint import lint

    return lint(spec)


def _write_module(model, out_dir):
    from symc.methods.basis.codegen import write_standalone

    return write_standalone(model, out_dir)


RECORD = MethodRecord(
    name="basis",
    method="basis",
    doc="stacked equivariant linear layers and nonlinearities",
    keywords=Signature({}, doc="stacked equivariant linear layers and nonlinearities"),
    accepts=Accepts(
        "any matrix group with one geometric factor and at most one S(n); point outputs only with an S(n) "
        "factor; no piecewise groups",
        max_geometric=1,
        point_output_needs_set=True,
        localities=frozenset({"complete", "global"}),
        knob_choices=rules.KNOB_CHOICES,
    ),
    build=_build,
    solve=_solve,
    judge=rules.judge,
    lint=_lint,
    write_module=_write_module,
    docs=("LANGUAGE.md",),
)

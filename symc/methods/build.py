"""``build_model``: a judged spec to its compiled model, through the spec's method record."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import ModelSpec
from symc.methods.registry import record_for, records


def build_model(spec: ModelSpec, backbone: object = None, solved: object = None):
    """Compile ``spec`` with its record's builder, in the spec's dtype; ``-> SymcModule``.

    ``backbone`` (a user ``nn.Module``) only for methods whose record accepts one; ``solved`` is the spec's
    solved IR (``record.solve(spec)``), solved here when not given.
    """
    from symc.layers.model import spec_dtype

    record = record_for(spec)
    if backbone is not None and not record.accepts.backbone:
        raise SymcError(
            f"method {spec.method.name} does not take a backbone",
            spec.method.loc,
            "drop backbone=...; methods that wrap a user network: "
            + ", ".join(r.method for r in records() if r.accepts.backbone),
        )
    if solved is None:
        solved = record.solve(spec)  # None for methods that solve nothing ahead
    return record.build(spec, backbone, solved).to(spec_dtype(spec))

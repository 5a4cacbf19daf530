"""``method frames``: frame averaging around an unconstrained backbone, including piecewise groups.

``RECORD`` is what the rest of symc knows of the method; models, backbones and measurements load on first use.
"""

from __future__ import annotations

from symc.ir.families import FAMILIES
from symc.methods.frames import rules
from symc.methods.record import Accepts, MethodRecord, Param, Signature

KEYWORDS = Signature(
    {
        "backbone": Param("backbone", "the network averaged over frames", default="mlp"),
        "labels": Param("input", "per-point part labels for a piecewise group", input_order=1),
        "parts": Param("int", "number of parts to predict for a piecewise group", minimum=1),
    },
    positional="backbone",
    doc="frame averaging around an unconstrained backbone",
)


def _build(spec, backbone, solved):
    from symc.methods.frames.builder import build_frames_model

    return build_frames_model(spec, backbone)


def _measure(model, spec, n):
    from symc.methods.frames.measurements import measure

    return measure(model, spec, n)


RECORD = MethodRecord(
    name="frames",
    method="frames",
    doc=KEYWORDS.doc,
    keywords=KEYWORDS,
    accepts=Accepts(
        "SO(d), O(d), SE(d), E(d), T(d), GL+(d), SL(d), Aff+(d) and S(n) alone or as x S(n), "
        "including piecewise E(d)/SE(d); global and per-point fields",
        families=frozenset(name for name, family in FAMILIES.items() if family.frame_kind),
        max_geometric=1,
        piecewise=True,
        field_orders=frozenset({0, 1}),
        localities=frozenset({"complete", "global", "knn", "radius"}),
        backbone=True,
    ),
    build=_build,
    judge=rules.judge,
    measure=_measure,
    docs=("FRAMES.md",),
)

"""``method basis`` on a graph: ``locality ego(k)`` (sub-graph networks on k-hop ego-nets, SPEN) and
``locality graph(edges = ...)`` (message passing along the given edges), for ``group S(n)`` alone."""

from __future__ import annotations

from symc.methods.ego import rules
from symc.methods.record import Accepts, MethodRecord, Signature


def _build(spec, backbone, solved):
    from symc.methods.ego.model import build_ego_model, graph_model

    if spec.locality.kind == "graph":
        return graph_model(spec, "mpnn")
    return build_ego_model(spec)


RECORD = MethodRecord(
    name="subgraphs",
    method="basis",
    doc="permutation-equivariant networks over a graph: ego-net sub-graphs or message passing along edges",
    keywords=Signature({}, doc="stacked equivariant linear layers and nonlinearities"),
    accepts=Accepts(
        "the group S(n) alone, with channels of scalars T(0) per node, per pair or global",
        max_geometric=0,
        permutation="required",
        localities=frozenset({"ego", "graph"}),
        knob_choices=rules.KNOB_CHOICES,
    ),
    build=_build,
    judge=rules.judge,
    docs=("GRAPHS.md",),
)

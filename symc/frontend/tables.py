"""The language's vocabulary as data: indexings, knobs, localities, backbones.

Methods and their keywords are not here: each method's record states them (``symc.methods.registry``).

Every keyword a call accepts is listed here with the kind of value it takes, so that argument
checking, did-you-mean suggestions and docs/LANGUAGE.md all follow one table.
"""

from __future__ import annotations

from symc.methods.record import Param, Signature

# `per <word>` / `global` -> field order (0: one value per sample, 1: per point, 2: per pair).
INDEXING_ORDERS: dict[str, int] = {"point": 1, "node": 1, "pair": 2, "edge": 2}

# Choice-valued knob statements; `hidden` (a rep or a width) and `layers` (an int) are checked apart.
KNOB_CHOICES: dict[str, tuple[str, ...]] = {
    "nonlinearity": ("gated", "relu", "silu", "tanh", "norm"),
    "readout": ("sum", "mean", "max"),
    "dtype": ("float32", "float64"),
}
MAX_LAYERS = 1000

# Sizes past which a spec is refused before anything is allocated.
MAX_REP_DIM = 10**7
MAX_MULTIPLICITY = 10**6
MAX_MATRIX_SIZE = 4096  # d of a matrix group: one sampled element of SO(4096) is already 134 MB
MAX_SET_SIZE = 10**6  # concrete n of S(n), k of C(k) and D(k)


# Resource bounds of the built-in backbones: 64 float64 layers of 4096² weights are 8.6 GB.
MAX_BACKBONE_WIDTH = 4096
MAX_BACKBONE_LAYERS = 64
_WIDTH = Param("int", "width of each hidden layer", minimum=1, maximum=MAX_BACKBONE_WIDTH)
_DEPTH = Param("int", "number of layers", minimum=1, maximum=MAX_BACKBONE_LAYERS)

BACKBONES: dict[str, Signature] = {
    "mlp": Signature({"hidden": _WIDTH, "layers": _DEPTH}, doc="a multilayer perceptron on the flattened inputs"),
    "gnn": Signature({"hidden": _WIDTH, "layers": _DEPTH}, doc="a message-passing network over the locality graph"),
    "pointnet": Signature({"hidden": _WIDTH, "layers": _DEPTH}, doc="a shared per-point MLP with pooling"),
    "custom": Signature({}, doc="the module passed as symc.build(spec, backbone=...)"),
}

LOCALITIES: dict[str, Signature] = {
    "complete": Signature({}, doc="every point interacts with every other point"),
    "global": Signature({}, doc="points interact only through set-level pooling"),
    "knn": Signature(
        {"k": Param("int", "neighbours per point", minimum=1, required=True)},
        positional="k",
        doc="each point sees its k nearest neighbours",
    ),
    "radius": Signature(
        {"r": Param("number", "cut-off distance", positive=True, required=True)},
        positional="r",
        doc="each point sees the points within distance r",
    ),
    "ego": Signature(
        {
            "k": Param("int", "hops of each ego-net", minimum=1, required=True),
            "edges": Param("input", "per-pair input giving the graph (default: the complete graph)", input_order=2),
        },
        positional="k",
        doc="each point sees its k-hop ego-net sub-graph",
    ),
    "graph": Signature(
        {"edges": Param("input", "per-pair input giving the adjacency", input_order=2, required=True)},
        positional="edges",
        doc="messages flow along a given graph",
    ),
}

"""Model-level IR: fields, locality, method, architecture knobs, and the model itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from symc.errors import SourceLocation
from symc.ir.group import GroupSpec
from symc.ir.rep import RepExpr

ORDER_NAMES = {0: "global", 1: "point", 2: "pair"}


def order_name(order: int) -> str:
    """``0 -> "global"``, ``1 -> "point"`` (per point/node), ``2 -> "pair"`` (per pair/edge)."""
    return ORDER_NAMES[order]


@dataclass(frozen=True)
class CallValue:
    """A nested call in a keyword argument, e.g. ``gnn(hidden = 64, layers = 4)``."""

    name: str
    kwargs: tuple[tuple[str, Value], ...] = ()
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        return f"{self.name}({_kwargs_text(self.kwargs)})"

    def get(self, key: str, default: Value | None = None) -> Value | None:
        return dict(self.kwargs).get(key, default)


Value = int | float | str | bool | CallValue | RepExpr


def _value_text(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _kwargs_text(kwargs: tuple[tuple[str, Value], ...]) -> str:
    return ", ".join(f"{k} = {_value_text(v)}" for k, v in kwargs)


@dataclass(frozen=True)
class FieldSpec:
    """A named input or output: a representation of the geometric factors, indexed by ``order``.

    order 0: one value per sample (global); 1: one per point/node, shape ``(n, dim)``;
    2: one per ordered pair, shape ``(n, n, dim)``. With an S(n) factor, the set index is permuted.
    """

    name: str
    rep: RepExpr
    order: int
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        indexing = f"per {order_name(self.order)}" if self.order else "global"
        return f"{self.name}: {self.rep} {indexing}"


@dataclass(frozen=True)
class LocalitySpec:
    """``complete``/``global``, ``knn(k)``, ``radius(r)``, ``ego(k)``, ``graph(edges)``."""

    kind: str
    args: tuple[tuple[str, Value], ...] = ()
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        return f"{self.kind}({_kwargs_text(self.args)})" if self.args else self.kind

    def get(self, key: str, default: Value | None = None) -> Value | None:
        return dict(self.args).get(key, default)


@dataclass(frozen=True)
class MethodSpec:
    """``basis``, ``frames(backbone = ...)``, ``attributes``, ``tensor_product(lmax, impl)``, ``soft(...)``."""

    name: str
    kwargs: tuple[tuple[str, Value], ...] = ()
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        return f"{self.name}({_kwargs_text(self.kwargs)})" if self.kwargs else self.name

    def get(self, key: str, default: Value | None = None) -> Value | None:
        return dict(self.kwargs).get(key, default)


@dataclass(frozen=True)
class ArchitectureSpec:
    """Architecture knobs; ``None`` means the method's default."""

    hidden: RepExpr | int | None = None
    layers: int | None = None
    nonlinearity: str | None = None
    readout: str | None = None
    dtype: str | None = None
    # Where each knob was written, as ((knob, location), ...): for errors only, never compared or hashed.
    locs: tuple[tuple[str, SourceLocation], ...] = field(default=(), compare=False, hash=False, repr=False)

    def loc_of(self, knob: str) -> SourceLocation | None:
        """The statement that set ``knob``, or None when the spec left it at the method's default."""
        return dict(self.locs).get(knob)

    def __str__(self) -> str:
        items = [(k, getattr(self, k)) for k in ("hidden", "layers", "nonlinearity", "readout", "dtype")]
        return "; ".join(f"{k} {v}" for k, v in items if v is not None)


@dataclass(frozen=True)
class ModelSpec:
    """One ``model Name { ... }`` block, fully lowered. Hashable; ``ir_hash`` keys the caches."""

    name: str
    group: GroupSpec
    inputs: tuple[FieldSpec, ...]
    outputs: tuple[FieldSpec, ...]
    locality: LocalitySpec
    method: MethodSpec
    architecture: ArchitectureSpec = ArchitectureSpec()
    source: str = field(default="<string>", compare=False, hash=False)
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def canonical_text(self) -> str:
        """Spec text in canonical form: same IR, same text, whatever the original spelling."""
        lines = [f"model {self.name} {{", f"  group {self.group}"]
        lines.append("  input " + ", ".join(str(f) for f in self.inputs))
        lines.append("  output " + ", ".join(str(f) for f in self.outputs))
        lines.append(f"  locality {self.locality}")
        lines.append(f"  method {self.method}")
        arch = self.architecture
        for knob in ("hidden", "layers", "nonlinearity", "readout", "dtype"):
            value = getattr(arch, knob)
            if value is not None:
                lines.append(f"  {knob} {value}")
        lines.append("}")
        return "\n".join(lines)

    def ir_hash(self) -> str:
        return hashlib.sha256(self.canonical_text().encode()).hexdigest()

    def field(self, name: str) -> FieldSpec:
        for f in self.inputs + self.outputs:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class Program:
    """A whole ``.sym`` file: one or more models, in file order."""

    models: tuple[ModelSpec, ...]
    source: str = field(default="<string>", compare=False, hash=False)

    def model(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

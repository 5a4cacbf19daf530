"""``BasisModel.summary()``: per layer blocks, basis dimensions and sources, parameters and FLOPs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from symc.layers.linear import BasisUse, EquivariantLinear


@dataclass(frozen=True)
class LayerSummary:
    """One equivariant linear map; ``empty`` lists block pairs with a zero-dimensional basis (no parameters)."""

    name: str
    blocks_in: str
    blocks_out: str
    bases: tuple[BasisUse, ...]
    parameters: int
    flops: int

    @property
    def empty(self) -> tuple[BasisUse, ...]:
        return tuple(u for u in self.bases if u.dim == 0)


@dataclass(frozen=True)
class ModelSummary:
    """Everything ``symc info`` prints about a built ``basis`` model; FLOPs are per sample at ``n``."""

    model: str
    group: str
    n: int | None
    layers: tuple[LayerSummary, ...] = field(default_factory=tuple)

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def flops(self) -> int:
        return sum(layer.flops for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for layer, entry in zip(self.layers, data["layers"], strict=True):
            entry["empty"] = [asdict(u) for u in layer.empty]
        data["parameters"], data["flops"] = self.parameters, self.flops
        return data

    def __str__(self) -> str:
        at = f" at n = {self.n}" if self.n is not None else ""
        lines = [
            f"model {self.model} — group {self.group}: {self.parameters} parameters, ~{self.flops} FLOPs/sample{at}"
        ]
        for layer in self.layers:
            lines.append(f"  {layer.name}: {layer.blocks_in} -> {layer.blocks_out}")
            lines.append(f"    parameters {layer.parameters}, ~{layer.flops} FLOPs/sample")
            distinct = {(u.rep_in, u.rep_out): u for u in layer.bases}
            for u in distinct.values():
                if u.dim:
                    ops = f" x {u.ops} set ops" if u.ops > 1 else ""
                    lines.append(f"    basis {u.rep_in} -> {u.rep_out}: dim {u.dim}{ops} ({u.source})")
            empty = [f"{u.rep_in} -> {u.rep_out}" for u in distinct.values() if not u.dim]
            if empty:
                lines.append(f"    no equivariant maps (contribute nothing): {', '.join(empty)}")
        return "\n".join(lines)


def layer_summary(name: str, layer: EquivariantLinear, n: int) -> LayerSummary:
    return LayerSummary(
        name=name,
        blocks_in=str(layer.in_layout),
        blocks_out=str(layer.out_layout),
        bases=tuple(layer.uses),
        parameters=layer.parameter_count(),
        flops=layer.flops(n),
    )

"""``TensorProductDescriptor``: the mathematics of one channel-wise tensor product, apart from its execution.

A descriptor says *what* is computed — the three irreps (canonical text), the kind of product
(``impl``: ``'cg'`` or ``'gaunt'``), the list of ``(i1, i2 → i3)`` paths with the kind of coefficient
each carries, the weight layout — and nothing about *how*: no tensors, no route. It is frozen, hashable,
JSON-serialisable (``to_dict``/``from_dict``) and has a stable ``digest()``. The routes of
``symc.methods.tensor_product.routes`` compute their tables from it; ``symc.methods.tensor_product.planner``
picks a route from it, the device and the batch (the split of cuEquivariance's segmented descriptors
from their backends).

Coefficient kinds (per path): ``'cg'``: the real Clebsch–Gordan coefficients of ``symc.so3.coupling``
scaled by ``sqrt((2 l3 + 1) / #paths into l3)``, times one weight per path; ``'gaunt'``: ``sqrt(4π)``
times the Gaunt coefficient (the product of the two spherical functions projected on l3), fixed, with
the weights scaling each input-1 irrep and each output irrep.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from symc.errors import SymcError
from symc.methods.tensor_product.paths import (
    Path,
    Units,
    check_every_output_reached,
    selection_paths,
    split_units,
    unit_dim,
)
from symc.so3.irreps import Irreps

IMPLS = ("gaunt", "cg", "auto")
COEFFICIENT_KINDS = ("cg", "gaunt")
WEIGHT_LAYOUTS = {"cg": "per_path", "gaunt": "per_input1_irrep_then_per_output_irrep"}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TensorProductDescriptor:
    """One channel-wise tensor product ``c x U1 ⊗ (c|1) x U2 → c x Uo`` (``symc.methods.tensor_product.paths``).

    Build it with ``TensorProductDescriptor.build(irreps1, irreps2, irreps_out, impl)``, which checks the
    product and resolves ``impl='auto'``; the constructor itself trusts its fields (``from_dict`` checks).
    """

    irreps1: str
    irreps2: str
    irreps_out: str
    impl: str  # 'cg' or 'gaunt' (resolved)
    paths: tuple[Path, ...]
    coefficients: tuple[str, ...]  # per path, one of COEFFICIENT_KINDS
    external_weights: bool = False

    # ------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        irreps1: Irreps | str,
        irreps2: Irreps | str,
        irreps_out: Irreps | str,
        impl: str = "auto",
        *,
        external_weights: bool = False,
    ) -> TensorProductDescriptor:
        """Check the product and choose its paths; one ``SymcError`` when it cannot be computed."""
        if impl not in IMPLS:
            raise SymcError(f"unknown tensor-product impl '{impl}'", hint=f"use one of {', '.join(IMPLS)}")
        i1, i2, io = Irreps(irreps1), Irreps(irreps2), Irreps(irreps_out)
        units = split_units(i1, i2, io)
        cg_paths = selection_paths(units, even_only=False)
        problem = gaunt_problem(units, cg_paths)
        if impl == "gaunt" and problem:
            raise SymcError(
                f"impl='gaunt' cannot compute {i1} ⊗ {i2} → {io}: {problem}",
                hint="use impl='cg' (or 'auto'), or split off the odd paths into a TensorProduct(impl='cg')",
            )
        resolved = "gaunt" if impl == "gaunt" or (impl == "auto" and not problem) else "cg"
        paths = selection_paths(units, even_only=True) if resolved == "gaunt" else cg_paths
        check_every_output_reached(units, paths, resolved)
        return cls(str(i1), str(i2), str(io), resolved, tuple(paths), (resolved,) * len(paths), external_weights)

    # ------------------------------------------------------------ derived structure
    @property
    def units(self) -> Units:
        return _units(self.irreps1, self.irreps2, self.irreps_out)

    @property
    def channels(self) -> int:
        return self.units.channels

    @property
    def shared_second(self) -> bool:
        """The second operand has one channel, broadcast over the channels of the first."""
        return self.units.shared_second

    @property
    def weight_layout(self) -> str:
        return WEIGHT_LAYOUTS[self.impl]

    @property
    def weight_numel(self) -> int:
        """Weights per channel: one per path (CG), or one per input-1 irrep then one per output irrep (Gaunt)."""
        if self.impl == "cg":
            return len(self.paths)
        return len(self.units.unit1) + len(self.units.unit_out)

    def dims(self) -> tuple[int, int, int]:
        """Full dimensions of x, y and the output (e3nn layout)."""
        return Irreps(self.irreps1).dim, Irreps(self.irreps2).dim, Irreps(self.irreps_out).dim

    def lmax(self) -> tuple[int, int, int]:
        u = self.units
        return tuple(max(ir.l for ir in unit) for unit in (u.unit1, u.unit2, u.unit_out))  # type: ignore[return-value]

    def cg_paths(self) -> list[Path]:
        """Every path allowed by the triangle rule and parity (what CG computes)."""
        return selection_paths(self.units, even_only=False)

    def lost_paths(self) -> list[str]:
        """Paths that CG has and this product does not (empty for CG)."""
        kept = set(self.paths)
        return [path_text(self.units, p) for p in self.cg_paths() if p not in kept]

    def path_texts(self) -> list[str]:
        return [path_text(self.units, p) for p in self.paths]

    # ------------------------------------------------------------ cost
    def flops(self, batch: int = 1) -> int:
        """Floating-point operations of the path-by-path contraction for ``batch`` samples, route-independent.

        ``2 · Σ_paths n1·n2·n3`` per (sample, channel) (one multiply and one add per coefficient, the work
        e3nn does); the routes' modelled costs are in ``planner.route_costs``.
        """
        u = self.units
        per = sum(u.unit1[p.i1].dim * u.unit2[p.i2].dim * u.unit_out[p.i3].dim for p in self.paths)
        return 2 * per * u.channels * batch

    def memory(self, batch: int = 1, element_bytes: int = 4) -> int:
        """Bytes of the operands, the output and the weights for ``batch`` samples (float32 by default)."""
        d1, d2, dout = self.dims()
        weights = self.weight_numel * (batch * self.channels if self.external_weights else 1)
        return element_bytes * (batch * (d1 + d2 + dout) + weights)

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``from_dict`` inverts it."""
        return {
            "format": FORMAT_VERSION,
            "irreps1": self.irreps1,
            "irreps2": self.irreps2,
            "irreps_out": self.irreps_out,
            "impl": self.impl,
            "paths": [[p.i1, p.i2, p.i3] for p in self.paths],
            "coefficients": list(self.coefficients),
            "external_weights": self.external_weights,
            "weight_layout": self.weight_layout,
            "weight_numel": self.weight_numel,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorProductDescriptor:
        if data.get("format") != FORMAT_VERSION:
            raise SymcError(
                f"tensor-product descriptor format {data.get('format')!r} is not {FORMAT_VERSION}",
                hint="rebuild the descriptor with this version of symc",
            )
        descriptor = cls(
            str(Irreps(data["irreps1"])),
            str(Irreps(data["irreps2"])),
            str(Irreps(data["irreps_out"])),
            data["impl"],
            tuple(Path(*map(int, p)) for p in data["paths"]),
            tuple(data["coefficients"]),
            bool(data.get("external_weights", False)),
        )
        descriptor.validate()
        return descriptor

    @classmethod
    def from_json(cls, text: str) -> TensorProductDescriptor:
        return cls.from_dict(json.loads(text))

    def digest(self) -> str:
        """A stable hex hash of the descriptor (SHA-256 of its canonical JSON, 16 hex digits)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def validate(self) -> None:
        """Refuse a descriptor whose paths or coefficients do not fit its irreps."""
        units = self.units
        if self.impl not in COEFFICIENT_KINDS or len(self.coefficients) != len(self.paths):
            raise SymcError(
                f"descriptor impl {self.impl!r} with {len(self.coefficients)} coefficient kinds for "
                f"{len(self.paths)} paths",
                hint="impl is 'cg' or 'gaunt', with one coefficient kind per path",
            )
        allowed = set(selection_paths(units, even_only=self.impl == "gaunt"))
        bad = [p for p in self.paths if p not in allowed]
        if bad or any(kind != self.impl for kind in self.coefficients) or len(set(self.paths)) != len(self.paths):
            raise SymcError(
                f"descriptor paths {bad or list(self.paths)} do not fit {self.impl} coefficients of "
                f"{self.irreps1} ⊗ {self.irreps2} → {self.irreps_out}",
                hint="build descriptors with TensorProductDescriptor.build",
            )
        check_every_output_reached(units, list(self.paths), self.impl)

    def summary(self) -> str:
        return (
            f"{self.irreps1} ⊗ {self.irreps2} → {self.irreps_out}, impl {self.impl}, {len(self.paths)} paths, "
            f"{self.weight_numel} weights per channel ({self.weight_layout}"
            + (", external)" if self.external_weights else ")")
        )


@lru_cache(maxsize=256)
def _units(irreps1: str, irreps2: str, irreps_out: str) -> Units:
    return split_units(Irreps(irreps1), Irreps(irreps2), Irreps(irreps_out))


def unit_dims(units: Units) -> tuple[int, int, int]:
    return unit_dim(units.unit1), unit_dim(units.unit2), unit_dim(units.unit_out)


def gaunt_problem(units: Units, cg_paths: list[Path]) -> str:
    """Why the Gaunt product cannot compute this product exactly ('' when it can)."""
    for name, unit in (("irreps1", units.unit1), ("irreps2", units.unit2), ("irreps_out", units.unit_out)):
        degrees = [ir.l for ir in unit]
        if len(set(degrees)) != len(degrees):
            return f"{name} repeats a degree (the Gaunt product acts on one function per channel)"
    for a in units.unit1:
        for b in units.unit2:
            for c in units.unit_out:
                if abs(a.l - b.l) <= c.l <= a.l + b.l and (a.l + b.l + c.l) % 2 == 0 and a.p * b.p != c.p:
                    return f"its path {a} ⊗ {b} → {c.l} has parity {a.p * b.p:+d} but the output {c} asks for {c.p:+d}"
    even = selection_paths(units, even_only=True)
    reached = {p.i3 for p in even}
    odd_only = [str(units.unit_out[p.i3]) for p in cg_paths if p.i3 not in reached]
    if odd_only:
        return f"outputs {', '.join(sorted(set(odd_only)))} only come from paths with l1+l2+l3 odd"
    return ""


def path_text(units: Units, path: Path) -> str:
    return f"{units.unit1[path.i1]}⊗{units.unit2[path.i2]}→{units.unit_out[path.i3]}"

"""``build_basis_model``: a ``method basis`` spec to a ``BasisModel`` (stacked equivariant linear layers).

The spec was judged by the frontend against ``symc.methods.basis.rules``; nothing here refuses a spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from symc.ir import GroupFactor, ModelSpec
from symc.layers.bases import BasisProvider
from symc.layers.blocks import FeatureLayout
from symc.layers.contract import FieldContract
from symc.layers.hidden import DEFAULT_LAYERS, hidden_layout
from symc.layers.model import SymcModule
from symc.layers.network import BasisNetwork, network_maps
from symc.layers.nonlinear import activation
from symc.layers.packing import FeaturePacker
from symc.layers.summary import ModelSummary, layer_summary
from symc.solvers.solved import SolvedModel, solve_maps

SUMMARY_N = 10  # set size at which summary() estimates FLOPs when n is symbolic


class BasisModel(SymcModule):
    """A compiled spec. ``forward({name: tensor}) -> {name: tensor}`` with shapes from the field contract:

    global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``; an unbatched
    sample (no batch axis) gives unbatched outputs. Inputs are checked and cast by ``symc.layers.contract``.
    """

    def __init__(self, spec: ModelSpec, packer: FeaturePacker, network: BasisNetwork, bases: BasisProvider) -> None:
        super().__init__()
        self.spec = spec
        self.contract = FieldContract(spec)
        self.packer = packer
        self.network = network
        self.bases = bases

    @property
    def solved(self) -> SolvedModel | None:
        """The solved IR the model was built from: its bases with their certificates."""
        return self.bases.solved

    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        read = self.read_inputs(inputs)
        features, centroid = self.packer.pack(read.values)
        return read.restore(self.packer.unpack(self.network(features, read.n), centroid))

    def linear_layers(self) -> list[tuple[str, nn.Module]]:
        """Every equivariant linear map in forward order, with a readable name."""
        found = []
        for i, block in enumerate(self.network.blocks):
            found.append((f"block {i} linear", block.linear))
            if block.bilinear is not None:
                found.append((f"block {i} bilinear", block.bilinear.mix))
        found.append(("readout", self.network.readout))
        return found

    def summary(self, n: int | None = None) -> ModelSummary:
        """Per layer: blocks, basis dimensions and sources, parameters, FLOPs per sample at set size ``n``.

        ``n`` defaults to the group's fixed size, or 10 when it is symbolic; it is None without S(n).
        """
        if self.packer.permutation is None:
            at = None
        else:
            at = n if n is not None else (self.packer.fixed_n or SUMMARY_N)
        layers = tuple(layer_summary(name, layer, at or 1) for name, layer in self.linear_layers())
        return ModelSummary(self.spec.name, str(self.spec.group), at, layers)


@dataclass(frozen=True)
class BasisPlan:
    """The shape of a basis network, read off the spec before anything is solved."""

    geometric: GroupFactor | None
    packer: FeaturePacker
    hidden: FeatureLayout
    layers: int
    readout: str


def plan_basis_model(spec: ModelSpec) -> BasisPlan:
    geometric, permutation = _factors(spec)
    packer = FeaturePacker(spec.inputs, spec.outputs, geometric, permutation)
    arch = spec.architecture
    hidden = hidden_layout(arch.hidden, geometric, max(f.order for f in spec.inputs + spec.outputs))
    layers = DEFAULT_LAYERS if arch.layers is None else arch.layers
    return BasisPlan(geometric, packer, hidden, layers, arch.readout or "mean")


def solve_basis_model(spec: ModelSpec) -> SolvedModel:
    """The solved IR of a ``method basis`` spec: every block map its network reads, solved once."""
    plan = plan_basis_model(spec)
    maps = network_maps(plan.packer.in_layout, plan.hidden, plan.packer.out_layout, plan.layers)
    return solve_maps(plan.geometric, maps, spec.ir_hash())


def build_basis_model(spec: ModelSpec, solved: SolvedModel | None = None) -> BasisModel:
    """Compile a ``method basis`` spec into a ``BasisModel`` from its solved IR (solved here when not given)."""
    plan = plan_basis_model(spec)
    bases = BasisProvider(plan.geometric, solved if solved is not None else solve_basis_model(spec))
    network = BasisNetwork(
        plan.packer.in_layout,
        plan.hidden,
        plan.packer.out_layout,
        plan.layers,
        bases,
        activation(spec.architecture.nonlinearity),
        readout=plan.readout,
    )
    return BasisModel(spec, plan.packer, network, bases)


def _factors(spec: ModelSpec) -> tuple[GroupFactor | None, GroupFactor | None]:
    """(the geometric factor or None, the S(n) factor or None): ``rules.judge`` admits at most one of each."""
    geometric = spec.group.geometric_factors
    return (geometric[0] if geometric else None), spec.group.permutation_factor

"""The ``method tensor_product(lmax, impl)`` builder: an equivariant message-passing potential.

Node features are ``c x (0e + 1o + … + lmax)`` (parity (−1)^l, so reflections are handled exactly).
Each layer sends ``TP(h_j, Y(r_ij), w(|r_ij|))`` along the edges of the locality graph (the convolution
form of ``TensorProduct``: edge harmonics broadcast over channels, per-edge weights from a radial network
with a smooth cutoff), sums messages at the receiver, mixes channels per degree with a residual, and gates
l > 0 by sigmoids of the scalars. Outputs:

- global ``k x 0e`` fields: a per-point MLP on the scalars, summed over points (an energy);
- a per-point ``1o`` field when a global scalar output exists: ``−∂E/∂pos`` of the first global scalar
  (forces; equivariant by construction, differentiable twice so forces can be trained);
- other per-point irreps fields (parity (−1)^l, l ≤ lmax): a per-degree linear readout of the features.

Inputs: one ``point`` per point (positions; only differences are used, so translations are exact) and
optional per-point irreps with parity (−1)^l and l ≤ lmax (embedded linearly per degree). Locality (built by
``symc.locality.build_neighbourhood``): ``radius(r)`` (cutoff r), ``knn(k)``, ``complete``/``global`` or
``graph(edges = F)``: messages only along the edges of the per-pair scalar field F (dense ``(batch, n, n, c)``,
an edge where any channel is non-zero, undirected; or an integer ``(2, E)`` edge list over the flat nodes), whose
channels on each edge are extra invariant inputs of the radial network. Cost per layer O(E · c · TP(lmax)).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from symc.ir import FieldSpec, ModelSpec
from symc.ir.rep import Point
from symc.layers.contract import FieldContract
from symc.layers.model import SymcModule
from symc.layers.summary import LayerSummary, ModelSummary
from symc.locality import build_neighbourhood
from symc.methods.tensor_product.module import TensorProduct
from symc.so3 import spherical_harmonics
from symc.so3.irreps import Irreps

DEFAULT_CHANNELS = 8
DEFAULT_LAYERS = 2
RADIAL_BASIS = 8
RADIAL_HIDDEN = 32
NEIGHBOUR_SCALE = 4.0  # messages are summed, then divided by this typical neighbour count
SUMMARY_N = 10  # set size at which summary() estimates FLOPs
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def build_tensor_product_model(spec: ModelSpec, backbone: nn.Module | None = None) -> nn.Module:
    """Compile a ``method tensor_product`` spec into a ``TensorProductModel``."""
    model = TensorProductModel(spec)
    return model.to(DTYPES.get(spec.architecture.dtype or "float32", torch.float32))


def _irreps_of(field: FieldSpec) -> Irreps:
    """A field's irreps (``rules.judge``: every field but the position is irreps, natural up to lmax)."""
    return Irreps(str(field.rep))


class TensorProductModel(SymcModule):
    """``forward({name: tensor}) -> {name: tensor}``; per-point fields ``(batch, n, dim)`` or ``(n, dim)``."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.lmax = int(spec.method.get("lmax", 2))
        impl = str(spec.method.get("impl", "auto"))
        hidden = spec.architecture.hidden
        self.channels = hidden if isinstance(hidden, int) else DEFAULT_CHANNELS
        layers = spec.architecture.layers if spec.architecture.layers is not None else DEFAULT_LAYERS
        self._read_locality(spec)
        self._read_roles(spec)
        self.contract = FieldContract(spec, edges_field=self.edges_field)
        c, lmax = self.channels, self.lmax
        self.node_irreps = Irreps([(c, (l, (-1) ** l)) for l in range(lmax + 1)])
        self.edge_irreps = Irreps.spherical_harmonics(lmax)
        self.embed_constant = nn.Parameter(torch.randn(c))
        self.embed = nn.ModuleDict(
            {
                str(l): nn.Linear(sum(b.mul for _, b in blocks), c, bias=False)
                for l, blocks in self._input_blocks_by_degree().items()
            }
        )
        self.layers = nn.ModuleList(
            [MessageLayer(self.node_irreps, self.edge_irreps, impl, self.cutoff, self.edge_dim) for _ in range(layers)]
        )
        self.energy_head = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, max(1, self.energy_dim)))
        self.readouts = nn.ModuleDict(
            {f.name: nn.ModuleList([nn.Linear(c, b.mul, bias=False) for b in irreps]) for f, irreps in self.direct}
        )

    # ---------------------------------------------------------------- spec reading
    def _read_locality(self, spec: ModelSpec) -> None:
        kind = spec.locality.kind  # the frontend (the record's accepts.localities) refuses the others
        self.locality = kind
        self.cutoff = float(spec.locality.get("r", 0.0) or 0.0) if kind == "radius" else None
        edges = spec.locality.get("edges") if kind == "graph" else None
        self.edges_field = None if edges is None else str(edges)
        pair = next((f for f in spec.inputs if f.name == self.edges_field), None)
        self.edge_dim = 0 if pair is None else _irreps_of(pair).dim  # scalars: rules.judge

    def _read_roles(self, spec: ModelSpec) -> None:
        """Which input is the position, which are features, which outputs are energies, forces, readouts."""
        points = [f for f in spec.inputs if isinstance(f.rep, Point) and f.order == 1]  # one: rules.judge
        self.position = points[0].name
        self.features: list[tuple[FieldSpec, Irreps]] = []
        for f in spec.inputs:
            if f is points[0] or f.name == self.edges_field:
                continue
            self.features.append((f, _irreps_of(f)))
        energies = [f for f in spec.outputs if f.order == 0]  # scalars k x 0e: rules.judge
        self.energies = [(f, _irreps_of(f).dim) for f in energies]
        self.energy_dim = sum(d for _, d in self.energies)
        self.forces: list[str] = []
        self.direct: list[tuple[FieldSpec, Irreps]] = []
        for f in spec.outputs:
            if f.order == 0:
                continue
            irreps = _irreps_of(f)
            if energies and str(irreps) == "1x1o":
                self.forces.append(f.name)
                continue
            self.direct.append((f, irreps))

    def _input_blocks_by_degree(self) -> dict[int, list[tuple[str, object]]]:
        found: dict[int, list[tuple[str, object]]] = {}
        for f, irreps in self.features:
            for block in irreps:
                found.setdefault(block.irrep.l, []).append((f.name, block))
        return found

    def summary(self, n: int | None = None) -> ModelSummary:
        """Per message layer: its tensor product, route, parameters and FLOPs per sample at ``n`` points.

        FLOPs assume every pair is an edge (an upper bound for radius/knn graphs): 2 · n(n−1) · c · ops.
        """
        at = n if n is not None else SUMMARY_N
        rows = []
        for i, layer in enumerate(self.layers):
            tp = layer.tp
            params = sum(p.numel() for p in layer.parameters())
            flops = int(2 * at * (at - 1) * tp.units.channels * tp.cost.operations)
            head = f"{tp.irreps1} ⊗ {tp.irreps2}"
            rows.append(LayerSummary(f"layer {i}", head, f"{tp.irreps_out} by {tp.impl}/{tp.route}", (), params, flops))
        heads = sum(p.numel() for p in self.parameters()) - sum(r.parameters for r in rows)
        rows.append(LayerSummary("embedding and readouts", "", "", (), heads, 2 * heads * at))
        return ModelSummary(self.spec.name, str(self.spec.group), at, tuple(rows))

    def describe(self) -> str:
        """Each layer's ``TensorProduct.describe()``: route, why, lost paths, expected float32 error."""
        return "\n".join(f"layer {i}: {layer.tp.describe()}" for i, layer in enumerate(self.layers))

    # ---------------------------------------------------------------- forward
    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        read = self.read_inputs(inputs)
        return read.restore(self._evaluate(read.values))

    def _evaluate(self, values: dict[str, Tensor]) -> dict[str, Tensor]:
        pos = values[self.position]
        batch, n, _ = pos.shape
        need_forces = bool(self.forces)
        with torch.enable_grad():
            leaf = pos if (pos.requires_grad or not need_forces) else pos.detach().requires_grad_()
            h, per_point = self._features(leaf, values)
            energy = per_point.reshape(batch, n, -1).sum(1)
            outputs = self._split_energies(energy)
            if need_forces:
                create = torch.is_grad_enabled() and (pos.requires_grad or self.training)
                (grad,) = torch.autograd.grad(energy[:, 0].sum(), leaf, create_graph=create)
                for name in self.forces:
                    outputs[name] = -grad
        for f, irreps in self.direct:
            outputs[f.name] = self._read_direct(h, f.name, irreps).reshape(batch, n, -1)
        return outputs

    def _features(self, pos: Tensor, values: dict[str, Tensor]) -> tuple[dict[int, Tensor], Tensor]:
        batch, n, _ = pos.shape
        flat = pos.reshape(batch * n, 3)
        neighbourhood = build_neighbourhood(self.spec.locality, pos, values)
        senders, receivers = neighbourhood.edge_index
        vectors = flat[senders] - flat[receivers]
        attributes = self._edge_attributes(neighbourhood, pos)
        h = self._embed(values, batch * n, pos)
        for layer in self.layers:
            h = layer(h, vectors, senders, receivers, attributes)
        return h, self.energy_head(h[0][..., 0])

    def _edge_attributes(self, neighbourhood, like: Tensor) -> Tensor | None:
        """The ``edges`` field's channels on each edge ``(E, c)`` (ones for an edge list), or None."""
        if not self.edge_dim:
            return None
        found = neighbourhood.edge_features
        if found is None:
            return like.new_ones(neighbourhood.num_edges, self.edge_dim)
        return found.to(like.dtype)

    def _embed(self, values: dict[str, Tensor], nodes: int, like: Tensor) -> dict[int, Tensor]:
        c = self.channels
        h = {l: like.new_zeros(nodes, c, 2 * l + 1) for l in range(self.lmax + 1)}
        h[0] = h[0] + self.embed_constant.to(like.dtype)[None, :, None]
        for l, blocks in self._input_blocks_by_degree().items():
            parts = []
            for name, block in blocks:
                field_irreps = next(irreps for f, irreps in self.features if f.name == name)
                index = list(field_irreps).index(block)
                chunk = values[name].reshape(nodes, -1)[:, field_irreps.slices()[index]]
                parts.append(chunk.reshape(nodes, block.mul, 2 * l + 1))
            stacked = torch.cat(parts, dim=1)  # (N, total mul, 2l+1)
            h[l] = h[l] + torch.einsum("nui,vu->nvi", stacked, self.embed[str(l)].weight)
        return h

    def _split_energies(self, energy: Tensor) -> dict[str, Tensor]:
        out, start = {}, 0
        for f, dim in self.energies:
            out[f.name] = energy[:, start : start + dim]
            start += dim
        return out

    def _read_direct(self, h: dict[int, Tensor], name: str, irreps: Irreps) -> Tensor:
        parts = []
        for block, linear in zip(irreps, self.readouts[name], strict=True):
            mixed = torch.einsum("nci,vc->nvi", h[block.irrep.l], linear.weight)
            parts.append(mixed.reshape(mixed.shape[0], -1))
        return torch.cat(parts, dim=-1)


class MessageLayer(nn.Module):
    """One convolution: ``h_i += mix(Σ_j TP(h_j, Y(r_ij), w(|r_ij|)) / NEIGHBOUR_SCALE)``, then a gate."""

    def __init__(
        self, node_irreps: Irreps, edge_irreps: Irreps, impl: str, cutoff: float | None, edge_dim: int = 0
    ) -> None:
        super().__init__()
        self.lmax = node_irreps.lmax
        c = node_irreps[0].mul
        self.channels = c
        self.cutoff = cutoff
        self.tp = TensorProduct(node_irreps, edge_irreps, node_irreps, impl, external_weights=True, batch_hint=4096)
        self.radial = nn.Sequential(
            nn.Linear(RADIAL_BASIS + edge_dim, RADIAL_HIDDEN),
            nn.SiLU(),
            nn.Linear(RADIAL_HIDDEN, c * self.tp.weight_numel),
        )
        self.mix = nn.Parameter(torch.randn(self.lmax + 1, c, c) / math.sqrt(c))
        self.gate = nn.Linear(c, c * self.lmax) if self.lmax > 0 else None

    def forward(
        self,
        h: dict[int, Tensor],
        vectors: Tensor,
        senders: Tensor,
        receivers: Tensor,
        attributes: Tensor | None = None,
    ) -> dict[int, Tensor]:
        nodes = h[0].shape[0]
        length = vectors.norm(dim=-1)
        harmonics = torch.cat([spherical_harmonics(l, vectors) for l in range(self.lmax + 1)], dim=-1)
        radial = self._radial_basis(length)
        if attributes is not None:  # invariant edge attributes (the graph's per-pair field)
            radial = torch.cat([radial, attributes], dim=-1)
        weights = self.radial(radial).reshape(-1, self.channels, self.tp.weight_numel)
        weights = weights * self._envelope(length)[:, None, None]
        flat = torch.cat([h[l].reshape(nodes, -1) for l in range(self.lmax + 1)], dim=-1)
        if senders.numel():
            messages = self.tp(flat[senders], harmonics, weights)
        else:  # a graph without edges (a shape, not a value: no sync)
            messages = flat.new_zeros(0, flat.shape[-1])
        summed = flat.new_zeros(nodes, flat.shape[-1]).index_add(0, receivers, messages) / NEIGHBOUR_SCALE
        out, start = {}, 0
        for l in range(self.lmax + 1):
            size = self.channels * (2 * l + 1)
            block = summed[:, start : start + size].reshape(nodes, self.channels, 2 * l + 1)
            out[l] = h[l] + torch.einsum("nci,vc->nvi", block, self.mix[l])
            start += size
        scalars = out[0][..., 0]
        gates = torch.sigmoid(self.gate(scalars)).reshape(nodes, self.lmax, self.channels) if self.gate else None
        gated = {0: torch.nn.functional.silu(out[0])}
        for l in range(1, self.lmax + 1):
            gated[l] = out[l] * gates[:, l - 1, :, None]
        return gated

    def _radial_basis(self, length: Tensor) -> Tensor:
        """Gaussians on [0, cutoff] (or [0, 4] without a cutoff): ``(E,) -> (E, RADIAL_BASIS)``."""
        top = self.cutoff or 4.0
        centres = torch.linspace(0.0, top, RADIAL_BASIS, dtype=length.dtype, device=length.device)
        width = top / RADIAL_BASIS
        return torch.exp(-(((length[:, None] - centres) / width) ** 2))

    def _envelope(self, length: Tensor) -> Tensor:
        """Smooth cutoff ``(1 − (d/r)²)²`` for d < r, so edges entering the radius contribute nothing."""
        if self.cutoff is None:
            return torch.ones_like(length)
        ratio = (length / self.cutoff).clamp(max=1.0)
        return (1.0 - ratio * ratio) ** 2

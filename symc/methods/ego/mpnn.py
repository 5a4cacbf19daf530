"""Message passing along a given graph (GIN-like sum aggregation): what ``method basis`` builds for
``group S(n)`` with ``locality graph(edges = F)``, and the baseline of the sub-graph models. As expressive as 1-WL.

``h_v <- act(W_self h_v + W_msg sum_{u ~ v} (h_u + e_uv))`` on the coalesced graph of a ``GraphBatch``. It is the
comparison point for the sub-graph models: it cannot tell apart 1-WL-equivalent graphs such as two triangles and
a hexagon. Cost per layer ``O((N + E) C^2)``.
"""

from __future__ import annotations

from torch import Tensor, nn

from symc.methods.ego.graphs import GraphBatch


class MessagePassingNetwork(nn.Module):
    """forward: ``GraphBatch`` -> node states ``(N, hidden)`` and edge states ``(E, hidden)``.

    Edge states are ``act(W (h_u + h_v) + W_e e_uv)``, symmetric in the two ends like the messages.
    """

    def __init__(self, node_in: int, edge_in: int, hidden: int, layers: int, activation: nn.Module) -> None:
        super().__init__()
        self.activation = activation
        self.edge_embed = nn.Linear(edge_in, hidden)
        self.self_maps = nn.ModuleList(nn.Linear(node_in if i == 0 else hidden, hidden) for i in range(layers))
        self.message_maps = nn.ModuleList(
            nn.Linear(node_in if i == 0 else hidden, hidden, bias=False) for i in range(layers)
        )
        self.edge_out = nn.Linear(hidden, hidden)

    def forward(self, batch: GraphBatch) -> tuple[Tensor, Tensor]:
        source, target = batch.graph.edge_index
        edge_terms = self.edge_embed(batch.edges)
        nodes = batch.nodes
        for self_map, message_map in zip(self.self_maps, self.message_maps, strict=True):
            messages = message_map(nodes)[source] + edge_terms
            summed = messages.new_zeros(nodes.shape[0], messages.shape[1]).index_add_(0, target, messages)
            nodes = self.activation(self_map(nodes) + summed)
        edges = self.activation(self.edge_out(nodes[source] + nodes[target]) + edge_terms)
        return nodes, edges

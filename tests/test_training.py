"""A built ``basis`` model trains: gradients reach every parameter and a toy regression loss falls ≥ 10x."""

from __future__ import annotations

import torch

from symc.backend import build_model
from symc.frontend import parse

INERTIA = """
model Inertia {
  group O(3) x S(n)
  input m: T(0) per point, x: T(1) per point
  output I: T(2) global
  locality complete
  method basis
  hidden 16xT(0) + 4xT(1) + 2xT(2)
  layers 2
}
"""


def inertia_data(samples: int, n: int, gen: torch.Generator) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """EMLP's task: ``I = Σ_i m_i (|x_i|² Id − x_i x_iᵀ)``, flattened row-major to 9 entries."""
    m = torch.rand(samples, n, 1, generator=gen) + 0.5
    x = torch.randn(samples, n, 3, generator=gen)
    squared = (x * x).sum(-1, keepdim=True)[..., None]
    per_point = squared * torch.eye(3) - x[..., :, None] * x[..., None, :]
    inertia = (m[..., None] * per_point).mean(dim=1)
    return {"m": m, "x": x}, inertia.reshape(samples, 9)


def test_gradients_reach_every_parameter() -> None:
    torch.manual_seed(0)
    model = build_model(parse(INERTIA))
    inputs, target = inertia_data(16, 5, torch.Generator().manual_seed(1))
    loss = ((model(inputs)["I"] - target) ** 2).mean()
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


def test_loss_falls_tenfold_on_inertia_regression() -> None:
    torch.manual_seed(0)
    model = build_model(parse(INERTIA))
    inputs, target = inertia_data(256, 5, torch.Generator().manual_seed(2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)

    def loss() -> torch.Tensor:
        return ((model(inputs)["I"] - target) ** 2).mean()

    initial = loss().item()
    for _ in range(200):
        optimiser.zero_grad()
        value = loss()
        value.backward()
        optimiser.step()
    final = loss().item()
    assert final < initial / 10, (initial, final)

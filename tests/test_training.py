"""A built ``basis`` model trains: gradients reach every parameter and a toy regression loss falls ≥ 10x.

The toy task is EMLP's inertia tensor plus the centre of mass: with a T(1) output next to the T(2) one,
every hidden block has a path to the loss (O(3) has no T(1) -> T(2) map, so with the inertia alone the
last layer's vector channels would be dead ends and rightly get no gradient).
"""

from __future__ import annotations

import pytest
import torch

from symc.frontend import parse
from symc.methods import build_model

INERTIA = """
model Inertia {
  group O(3) x S(n)
  input m: T(0) per point, x: T(1) per point
  output I: T(2) global, com: T(1) global
  locality complete
  method basis
  hidden 16xT(0) + 4xT(1) + 2xT(2)
  layers 2
}
"""


def inertia_data(samples: int, n: int, gen: torch.Generator) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Targets ``I = mean_i m_i (|x_i|² Id − x_i x_iᵀ)`` (row-major, 9 entries) and ``com = mean_i m_i x_i``."""
    m = torch.rand(samples, n, 1, generator=gen) + 0.5
    x = torch.randn(samples, n, 3, generator=gen)
    squared = (x * x).sum(-1, keepdim=True)[..., None]
    per_point = squared * torch.eye(3) - x[..., :, None] * x[..., None, :]
    inertia = (m[..., None] * per_point).mean(dim=1)
    return {"m": m, "x": x}, {"I": inertia.reshape(samples, 9), "com": (m * x).mean(dim=1)}


def mse(outputs: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(((outputs[k] - targets[k]) ** 2).mean() for k in targets)


def test_gradients_reach_every_parameter() -> None:
    torch.manual_seed(0)
    model = build_model(parse(INERTIA))
    inputs, targets = inertia_data(16, 5, torch.Generator().manual_seed(1))
    mse(model(inputs), targets).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


@pytest.fixture
def single_thread():
    """The toy model is tiny: intra-op threads only add contention on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("single_thread")
def test_loss_falls_tenfold_on_inertia_regression() -> None:
    torch.manual_seed(0)
    model = build_model(parse(INERTIA))
    inputs, targets = inertia_data(64, 4, torch.Generator().manual_seed(2))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)

    def loss() -> torch.Tensor:
        return mse(model(inputs), targets)

    initial = loss().item()
    for _ in range(200):
        optimiser.zero_grad()
        value = loss()
        value.backward()
        optimiser.step()
    final = loss().item()
    assert final < initial / 10, (initial, final)

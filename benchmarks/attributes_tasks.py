"""method attributes on two physical tasks, next to the tensor-product and frame-averaging models, one run.

    python benchmarks/attributes_tasks.py --quick   # small data, few epochs (a few minutes, 1 thread)
    python benchmarks/attributes_tasks.py           # more data and epochs

Tasks (generated here, numpy float64, seeded):
* Lennard-Jones: 13-atom icosahedral clusters (nearest-neighbour distance 1.1σ) with Gaussian noise 0.08σ,
  randomly rotated; energy ``4 Σ_{i<j} (r^-12 − r^-6)`` (ε = σ = 1) and forces ``−∂E/∂x``. Models predict the
  energy, forces are ``−∇E`` by autograd; loss ``MSE(E) + 10·MSE(F)`` on standardised energies.
  Models: PONITA positions (radius 2.5), PONITA grid (16 orientations), and ``specs/lj_potential.sym``
  (Gaunt tensor products) when it builds.
* N-body: 5 particles with charges ±1, Coulomb forces, Euler steps dt = 0.001; predict positions 1000 steps
  ahead from positions, velocities and charges. Models: PONITA positions, PONITA grid, and
  ``specs/nbody_frames.sym`` (frame averaging around a GNN) when it builds; the linear ``x + v·t`` as floor.

Every model gets the same data, optimiser (Adam 1e-3), batch size and epochs. Reported: held-out error and
seconds per training epoch. Results go to ``benchmarks/results/attributes_tasks.md``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import symc
from symc.errors import SymcError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "attributes_tasks.md"

LJ_PONITA = """model LJPonita {
  group E(3) x S(n)
  input pos: point
  output energy: 0e global
  locality radius(r = 2.5)
  method attributes%s
  hidden 32
  layers 3
}"""

NBODY_PONITA = """model NBodyPonita {
  group E(3) x S(n)
  input pos: point, vel: 1o, charge: 0e
  output pos: point
  locality complete
  method attributes%s
  hidden 64
  layers 4
}"""


def rotations(count: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random rotations ``(count, 3, 3)``."""
    q, r = np.linalg.qr(rng.standard_normal((count, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return q * np.sign(np.linalg.det(q))[:, None, None]


def icosahedral_cluster(spacing: float = 1.1) -> np.ndarray:
    """Centre and the 12 vertices of an icosahedron with centre-to-vertex distance ``spacing``: ``(13, 3)``."""
    phi = (1 + math.sqrt(5)) / 2
    vertices = np.array(
        [p for s in (-1, 1) for t in (-phi, phi) for p in ((0, s, t), (s, t, 0), (t, 0, s))], dtype=np.float64
    )
    vertices *= spacing / np.linalg.norm(vertices[0])
    return np.vstack([np.zeros((1, 3)), vertices])


def lj_energy_forces(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lennard-Jones energies ``(B,)`` and forces ``(B, n, 3)`` of ``x (B, n, 3)``; O(B·n²)."""
    diff = x[:, :, None] - x[:, None, :]
    r2 = (diff**2).sum(-1) + np.eye(x.shape[1])  # the diagonal is masked below
    off = 1.0 - np.eye(x.shape[1])
    inv6 = off / r2**3
    energy = 2.0 * (inv6**2 - inv6).sum((1, 2))  # 4 Σ_{i<j} = 2 Σ_{i≠j}
    forces = ((24.0 * (2.0 * inv6**2 - inv6) / r2)[..., None] * diff).sum(2)
    return energy, forces


def lj_data(count: int, rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
    x = icosahedral_cluster()[None] + 0.08 * rng.standard_normal((count, 13, 3))
    x = x @ rotations(count, rng).transpose(0, 2, 1)
    energy, forces = lj_energy_forces(x)
    return tuple(torch.tensor(a, dtype=torch.float32) for a in (x, energy, forces))


def nbody_data(count: int, rng: np.random.Generator, steps: int = 1000, dt: float = 1e-3) -> tuple[torch.Tensor, ...]:
    """Positions, velocities, charges at the start and positions ``steps`` Euler steps later."""
    x = rng.standard_normal((count, 5, 3))
    v = 0.5 * rng.standard_normal((count, 5, 3))
    q = rng.choice([-1.0, 1.0], size=(count, 5, 1))
    x0, v0 = x.copy(), v.copy()
    for _ in range(steps):
        diff = x[:, :, None] - x[:, None, :]
        r = np.sqrt((diff**2).sum(-1) + np.eye(5))[..., None]
        pair = q[:, :, None] * q[:, None, :]  # like charges repel
        accel = (pair * diff / np.maximum(r, 0.1) ** 3 * (1 - np.eye(5))[..., None]).sum(2)
        v = v + dt * accel
        x = x + dt * v
    return tuple(torch.tensor(a, dtype=torch.float32) for a in (x0, v0, q, x))


def build(text_or_path: str | Path) -> torch.nn.Module | None:
    try:
        model = symc.build(symc.load(text_or_path) if isinstance(text_or_path, Path) else symc.parse(text_or_path))
    except SymcError as refused:
        print(f"skipped ({refused.message.splitlines()[0]})")
        return None
    return model.float()


def train(model, batches: Callable, loss_of: Callable, epochs: int) -> float:
    """Adam 1e-3 for ``epochs`` passes; returns seconds per epoch."""
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in batches():
            optimiser.zero_grad()
            loss_of(model, *batch).backward()
            optimiser.step()
    return (time.perf_counter() - start) / epochs


def _shuffled(tensors: tuple[torch.Tensor, ...], size: int, seed: int) -> Callable:
    generator = torch.Generator().manual_seed(seed)

    def batches():
        order = torch.randperm(tensors[0].shape[0], generator=generator)
        for start in range(0, order.numel(), size):
            yield tuple(t[order[start : start + size]] for t in tensors)

    return batches


def lj_task(quick: bool) -> list[str]:
    rng = np.random.default_rng(0)
    train_n, test_n, epochs = (160, 100, 8) if quick else (1000, 200, 40)
    x, e, f = lj_data(train_n + test_n, rng)
    mean, std = float(e[:train_n].mean()), float(e[:train_n].std())

    def predict(model, pos):
        pos = pos.clone().requires_grad_(True)
        energy = model({"pos": pos})["energy"][..., 0] * std + mean
        forces = -torch.autograd.grad(energy.sum(), pos, create_graph=model.training)[0]
        return energy, forces

    def loss_of(model, pos, energy, forces):
        e_hat, f_hat = predict(model, pos)
        return ((e_hat - energy) / std).pow(2).mean() + 10.0 * (f_hat - forces).pow(2).mean() / std**2

    rows = []
    candidates = [
        ("PONITA positions (attributes)", LJ_PONITA % ""),
        ("PONITA grid N=16 (attributes)", LJ_PONITA % "(orientations = 16)"),
        ("Gaunt tensor product (lj_potential.sym)", ROOT / "specs" / "lj_potential.sym"),
    ]
    for name, source in candidates:
        torch.manual_seed(0)
        print(f"LJ: {name} ...", flush=True)
        model = build(source)  # the tensor-product spec also outputs forces; every model uses −∇E alike
        if model is None:
            continue
        seconds = train(model.train(), _shuffled((x[:train_n], e[:train_n], f[:train_n]), 16, 0), loss_of, epochs)
        model.eval()
        e_hat, f_hat = (t.detach() for t in predict(model, x[train_n:]))
        e_mae = float((e_hat - e[train_n:]).abs().mean())
        f_mae = float((f_hat - f[train_n:]).abs().mean())
        params = sum(p.numel() for p in model.parameters())
        rows.append(f"| LJ13 | {name} | {params} | E MAE {e_mae:.3f}, F MAE {f_mae:.3f} | {seconds:.2f} |")
        print(rows[-1], flush=True)
    baseline_e = float((e[train_n:] - mean).abs().mean())
    rows.append(
        f"| LJ13 | predict mean energy, zero forces | 0 | E MAE {baseline_e:.3f}, F MAE "
        f"{float(f[train_n:].abs().mean()):.3f} | – |"
    )
    return rows


def nbody_task(quick: bool) -> list[str]:
    rng = np.random.default_rng(1)
    train_n, test_n, epochs = (200, 100, 8) if quick else (1000, 300, 40)
    x0, v0, q, x1 = nbody_data(train_n + test_n, rng)

    def loss_of(model, pos, vel, charge, target):
        return (model({"pos": pos, "vel": vel, "charge": charge})["pos"] - target).pow(2).mean()

    rows = []
    candidates = [
        ("PONITA positions (attributes)", NBODY_PONITA % ""),
        ("PONITA grid N=16 (attributes)", NBODY_PONITA % "(orientations = 16)"),
        ("frame averaging GNN (nbody_frames.sym)", ROOT / "specs" / "nbody_frames.sym"),
    ]
    test = (x0[train_n:], v0[train_n:], q[train_n:], x1[train_n:])
    for name, source in candidates:
        torch.manual_seed(0)
        print(f"N-body: {name} ...", flush=True)
        model = build(source)
        if model is None:
            continue
        data = (x0[:train_n], v0[:train_n], q[:train_n], x1[:train_n])
        seconds = train(model.train(), _shuffled(data, 32, 0), loss_of, epochs)
        with torch.no_grad():
            mse = float(loss_of(model.eval(), *test))
        params = sum(p.numel() for p in model.parameters())
        rows.append(f"| N-body | {name} | {params} | MSE {mse:.4f} | {seconds:.2f} |")
        print(rows[-1], flush=True)
    linear = float((x0[train_n:] + v0[train_n:] - x1[train_n:]).pow(2).mean())
    rows.append(f"| N-body | linear x + v·t | 0 | MSE {linear:.4f} | – |")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = ["| task | model | parameters | held-out error | s / epoch |", "|---|---|---|---|---|"]
    rows += lj_task(args.quick) + nbody_task(args.quick)
    mode = "quick" if args.quick else "full"
    text = f"# method attributes on LJ13 and N-body ({mode} run, 1 thread, float32)\n\n" + "\n".join(rows) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Train ``specs/lj_potential.sym`` on Lennard-Jones energies and forces of perturbed 13-atom clusters.

    python benchmarks/lennard_jones.py --quick     # 200 clusters, 100 steps of batch 16 (~3 min, 1 thread)
    python benchmarks/lennard_jones.py             # 1000 clusters, 400 steps of batch 16

Data (numpy, float64): the 13-atom icosahedron (LJ13's minimum shape, nearest-neighbour distance 1.1σ),
Gaussian-perturbed (0.05σ per coordinate), randomly rotated. ``E = 4ε Σ_{i<j} ((σ/r)^12 − (σ/r)^6)`` with
ε = σ = 1 over all pairs, forces ``F = −∂E/∂x`` in closed form. The model (Gaunt tensor-product
convolutions, radius 2.5σ, forces as −∇E) is trained on ``MSE(E) + λ · MSE(F)`` and reported against the
"predict the training mean" baseline (energy) and the zero-force baseline, on held-out clusters.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch

import symc
from symc.api import with_dtype

SPEC = Path(__file__).resolve().parent.parent / "specs" / "lj_potential.sym"


def icosahedron(spacing: float = 1.1) -> np.ndarray:
    """Centre plus 12 vertices ``(13, 3)`` with nearest-neighbour distance ``spacing``."""
    golden = (1 + math.sqrt(5)) / 2
    vertices = []
    for a in (-1, 1):
        for b in (-golden, golden):
            vertices += [(0, a, b), (a, b, 0), (b, 0, a)]
    vertices = np.array(vertices, dtype=np.float64)
    vertices *= spacing / np.linalg.norm(vertices[0])  # centre-to-vertex ≈ edge length for an icosahedron
    return np.vstack([np.zeros((1, 3)), vertices])


def lennard_jones(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energies ``(B,)`` and forces ``(B, n, 3)`` of clusters ``(B, n, 3)``; O(B n²)."""
    diff = positions[:, :, None, :] - positions[:, None, :, :]
    r2 = (diff**2).sum(-1)
    n = positions.shape[1]
    mask = ~np.eye(n, dtype=bool)[None]
    inv6 = np.where(mask, 1.0 / np.where(mask, r2, 1.0) ** 3, 0.0)
    energy = 2.0 * (inv6 * inv6 - inv6).sum((1, 2))  # 4 Σ_{i<j} = 2 Σ_{i≠j}
    # dE/dr2 per pair, times 2·diff: F_i = −Σ_j 4·(−12 r^-14 + 6 r^-8)·(x_i − x_j) · (−1)
    scale = np.where(mask, 24.0 * (2.0 * inv6 * inv6 - inv6) / np.where(mask, r2, 1.0), 0.0)
    forces = (scale[..., None] * diff).sum(2)
    return energy, forces


def random_rotations(count: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((count, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return q * np.sign(np.linalg.det(q))[:, None, None]


def dataset(count: int, rng: np.random.Generator, noise: float = 0.05) -> tuple[np.ndarray, ...]:
    base = icosahedron()
    positions = base[None] + noise * rng.standard_normal((count, *base.shape))
    positions = np.einsum("bij,bnj->bni", random_rotations(count, rng), positions)
    energy, forces = lennard_jones(positions)
    return positions, energy, forces


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--force-weight", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "lennard_jones.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    train_count, steps, batch = (200, 100, 16) if args.quick else (1000, 400, 16)
    train = [torch.as_tensor(a) for a in dataset(train_count, rng)]
    test = [torch.as_tensor(a) for a in dataset(200, rng)]
    mean, std = train[1].mean(), train[1].std()
    force_std = train[2].std()

    spec = with_dtype(symc.load(SPEC), "float64")
    model = symc.build(spec)
    optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    start = time.perf_counter()
    for step in range(steps):
        index = torch.randint(0, train_count, (batch,))
        pos = train[0][index].requires_grad_()
        out = model({"pos": pos})
        energy = out["energy"][:, 0] * std + mean
        loss = ((energy - train[1][index]) / std).square().mean()
        loss = loss + args.force_weight * ((out["forces"] * std - train[2][index]) / force_std).square().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % max(1, steps // 10) == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}", flush=True)
    seconds = time.perf_counter() - start

    pos = test[0].clone().requires_grad_()
    out = model({"pos": pos})
    energy = (out["energy"][:, 0] * std + mean).detach()
    forces = (out["forces"] * std).detach()
    rows = {
        "energy MAE (ε)": ((energy - test[1]).abs().mean().item(), (test[1] - mean).abs().mean().item()),
        "force MAE (ε/σ)": ((forces - test[2]).abs().mean().item(), test[2].abs().mean().item()),
    }
    lines = [
        f"LJ13 clusters, {train_count} train / 200 test, {steps} steps of batch {batch}, float64, "
        f"{args.threads} thread(s), {seconds:.0f} s training; spec {SPEC.name} (Gaunt, lmax 2, radius 2.5σ).",
        "",
        "| quantity | model | baseline (mean energy / zero force) | ratio |",
        "|---|---|---|---|",
    ]
    for name, (value, baseline) in rows.items():
        lines.append(f"| {name} | {value:.4f} | {baseline:.4f} | {value / baseline:.3f} |")
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# Lennard-Jones training ({'quick' if args.quick else 'full'})\n\n{text}\n")


if __name__ == "__main__":
    main()

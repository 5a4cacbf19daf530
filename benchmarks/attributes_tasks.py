"""method attributes on two physical tasks, next to the tensor-product and frame-averaging models, one run.

    python benchmarks/attributes_tasks.py --quick   # smoke run: little data, one epoch (~2 min, 1 thread)
    python benchmarks/attributes_tasks.py           # the reported run (~15 min, 1 thread)

Data is not generated here: both tasks import the generators of their own benchmarks, so the numbers compare.
* Lennard-Jones: ``benchmarks/lennard_jones.py``'s ``dataset`` (icosahedral LJ13, noise 0.05σ, randomly rotated;
  1000 train / 200 test clusters drawn from ``default_rng(0)`` in that order, as there). Every model predicts the
  energy and the forces are ``−∇E`` by autograd (through the radius graph's smooth cut-off); loss
  ``MSE(E/σ_E) + MSE(F/σ_F)``. Models: PONITA positions (radius 2.5σ) and ``specs/lj_potential.sym`` (Gaunt
  tensor products), with the mean-energy / zero-force baseline. (The grid variant, ~5x per step with the double
  backward of −∇E, is trained on N-body only; ``symc check`` reports its equivariance error against N.)
* N-body: ``benchmarks/nbody.py``'s ``simulate`` (5 charged particles, EGNN frames 30 → 40); predict the positions
  Δt = 1 ahead from positions, velocities and charges. Models: PONITA positions, PONITA on a grid of 8
  orientations, ``specs/nbody_frames.sym`` (frame averaging around a GNN); the linear ``x + v·t`` as the floor.

Every model of a task gets the same data, optimiser (Adam 3e-3, cosine decay to 0), batch size and epochs,
float32, one thread. Reported: held-out error, parameters and seconds per training epoch. Then one forward
timing: a PONITA model and a Gaunt tensor-product model of matched parameter count (within 20 %) on the same
batch of LJ clusters, timed interleaved, the minimum of the repeats.
Results: ``benchmarks/results/attributes_tasks.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import symc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lennard_jones import dataset as lj_dataset  # the benchmarks directory is not a package
from nbody import HORIZON, simulate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "attributes_tasks.md"
LR = 3e-3
GRID = 8  # orientations of the grid variant (N-body only)

LJ_PONITA = """model LJPonita {
  group E(3) x S(n)
  input pos: point
  output energy: 0e global
  locality radius(r = 2.5)
  method attributes%s
  hidden %d
  layers %d
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


def train(model: torch.nn.Module, batches: Callable, loss_of: Callable, epochs: int, label: str) -> float:
    """Adam (``LR``, cosine decay over all steps) for ``epochs`` passes; returns seconds per epoch."""
    steps = epochs * sum(1 for _ in batches())
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    start = time.perf_counter()
    for epoch in range(epochs):
        for batch in batches():
            loss = loss_of(model, *batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        print(
            f"  {label} epoch {epoch + 1}/{epochs} loss {loss.item():.4f} ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    return (time.perf_counter() - start) / epochs


def _shuffled(tensors: tuple[torch.Tensor, ...], size: int, seed: int) -> Callable:
    """A re-iterable of shuffled mini-batches (a new order per pass, reproducible from ``seed``)."""
    generator = torch.Generator().manual_seed(seed)

    def batches():
        order = torch.randperm(tensors[0].shape[0], generator=generator)
        for start in range(0, order.numel(), size):
            yield tuple(t[order[start : start + size]] for t in tensors)

    return batches


def _parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def lj_splits(train_count: int, test_count: int) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """``(positions (B, 13, 3), energies (B,), forces (B, 13, 3))`` for train and test, float32, drawn as in
    ``benchmarks/lennard_jones.py`` (one ``default_rng(0)``, train first)."""
    rng = np.random.default_rng(0)
    train_set = tuple(torch.tensor(a, dtype=torch.float32) for a in lj_dataset(train_count, rng))
    test_set = tuple(torch.tensor(a, dtype=torch.float32) for a in lj_dataset(test_count, rng))
    return train_set, test_set


def lj_task(train_count: int, epochs: int) -> list[str]:
    (x, e, f), (x_test, e_test, f_test) = lj_splits(train_count, 200)
    mean, std, force_std = float(e.mean()), float(e.std()), float(f.std())

    def predict(model, pos):
        pos = pos.clone().requires_grad_(True)
        energy = model({"pos": pos})["energy"][..., 0] * std + mean
        forces = -torch.autograd.grad(energy.sum(), pos, create_graph=model.training)[0]
        return energy, forces

    def loss_of(model, pos, energy, forces):
        e_hat, f_hat = predict(model, pos)
        return ((e_hat - energy) / std).pow(2).mean() + ((f_hat - forces) / force_std).pow(2).mean()

    rows = []
    candidates = [
        ("PONITA positions (attributes)", symc.parse(LJ_PONITA % ("", 32, 3))),
        ("Gaunt tensor product (lj_potential.sym)", symc.load(ROOT / "specs" / "lj_potential.sym")),
    ]
    for name, spec in candidates:
        torch.manual_seed(0)
        print(f"LJ13: {name}", flush=True)
        model = symc.build(spec).float()  # the tensor-product spec also outputs forces; all use −∇E alike
        seconds = train(model.train(), _shuffled((x, e, f), 16, 0), loss_of, epochs, "LJ13")
        model.eval()
        e_hat, f_hat = (t.detach() for t in predict(model, x_test))
        e_mae, f_mae = float((e_hat - e_test).abs().mean()), float((f_hat - f_test).abs().mean())
        rows.append(f"| LJ13 | {name} | {_parameters(model)} | E {e_mae:.3f} ε, F {f_mae:.3f} ε/σ | {seconds:.1f} |")
        print(rows[-1], flush=True)
    rows.append(
        f"| LJ13 | mean energy, zero forces | 0 | E {float((e_test - mean).abs().mean()):.3f} ε, "
        f"F {float(f_test.abs().mean()):.3f} ε/σ | – |"
    )
    return rows


def nbody_task(train_count: int, epochs: int) -> list[str]:
    test_count = 300
    data = {k: torch.tensor(v, dtype=torch.float32) for k, v in simulate(train_count + test_count, seed=0).items()}
    fields = ("pos", "vel", "charge", "target")
    train_set = tuple(data[k][:train_count] for k in fields)
    test_set = tuple(data[k][train_count:] for k in fields)

    def loss_of(model, pos, vel, charge, target):
        return (model({"pos": pos, "vel": vel, "charge": charge})["pos"] - target).pow(2).mean()

    rows = []
    candidates = [
        ("PONITA positions (attributes)", symc.parse(NBODY_PONITA % "")),
        (f"PONITA grid N={GRID} (attributes)", symc.parse(NBODY_PONITA % f"(orientations = {GRID})")),
        ("frame averaging GNN (nbody_frames.sym)", symc.load(ROOT / "specs" / "nbody_frames.sym")),
    ]
    for name, spec in candidates:
        torch.manual_seed(0)
        print(f"N-body: {name}", flush=True)
        model = symc.build(spec).float()
        seconds = train(model.train(), _shuffled(train_set, 32, 0), loss_of, epochs, "N-body")
        with torch.no_grad():
            mse = float(loss_of(model.eval(), *test_set))
        rows.append(f"| N-body | {name} | {_parameters(model)} | MSE {mse:.4f} | {seconds:.1f} |")
        print(rows[-1], flush=True)
    pos, vel, _, target = test_set
    linear = float((pos + vel * HORIZON - target).pow(2).mean())
    rows.append(f"| N-body | linear x + v·t | 0 | MSE {linear:.4f} | – |")
    return rows


def forward_timing(repeats: int) -> list[str]:
    """PONITA (hidden 16, 3 layers) vs ``lj_potential.sym`` widened to hidden 24: matched parameter counts,
    one batch of 16 LJ clusters, no gradients, interleaved, the minimum over ``repeats`` of each."""
    gaunt_spec = symc.load(ROOT / "specs" / "lj_potential.sym")
    gaunt_spec = dataclasses.replace(gaunt_spec, architecture=dataclasses.replace(gaunt_spec.architecture, hidden=24))
    torch.manual_seed(0)
    models = {
        "PONITA positions, hidden 16, 3 layers": symc.build(symc.parse(LJ_PONITA % ("", 16, 3))).float().eval(),
        "Gaunt tensor product, hidden 24, 2 layers": symc.build(gaunt_spec).float().eval(),
    }
    counts = [_parameters(m) for m in models.values()]
    assert max(counts) <= 1.2 * min(counts), f"parameter counts not matched: {counts}"
    pos = lj_splits(16, 16)[1][0]
    times = {name: [] for name in models}
    with torch.no_grad():
        for model in models.values():
            model({"pos": pos})  # warm-up (caches, allocator)
        for _ in range(repeats):
            for name, model in models.items():
                start = time.perf_counter()
                model({"pos": pos})
                times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    rows = ["| model | parameters | forward, batch of 16 LJ13 (ms) |", "|---|---|---|"]
    rows += [f"| {name} | {count} | {1e3 * best[name]:.1f} |" for name, count in zip(models, counts, strict=True)]
    ponita, gaunt = best.values()
    rows.append(f"\nGaunt / PONITA forward time: {gaunt / ponita:.1f}x (min of {repeats} interleaved repeats).")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    (lj_train, lj_epochs), (nbody_train, nbody_epochs) = ((64, 1), (64, 1)) if args.quick else ((1000, 10), (1000, 40))
    start = time.perf_counter()
    rows = ["| task | model | parameters | held-out error | s / epoch |", "|---|---|---|---|---|"]
    rows += lj_task(lj_train, lj_epochs) + nbody_task(nbody_train, nbody_epochs)
    timing = forward_timing(5 if args.quick else 20)
    mode = "quick" if args.quick else "full"
    text = (
        f"# method attributes on LJ13 and N-body ({mode} run, 1 thread, float32, "
        f"{(time.perf_counter() - start) / 60:.0f} min)\n\n"
        f"`python benchmarks/attributes_tasks.py{' --quick' if args.quick else ''}`. Adam {LR:g} with cosine decay, "
        f"same data / batch / epochs per task. LJ13: `lennard_jones.py`'s data, {lj_train} train / 200 test clusters, "
        f"batch 16, {lj_epochs} epochs, forces −∇E for every model. N-body: `nbody.py`'s simulator, {nbody_train} "
        f"train / 300 test trajectories, batch 32, {nbody_epochs} epochs.\n\n"
        + "\n".join(rows)
        + "\n\n## Forward time at matched parameter count\n\n"
        + "\n".join(timing)
        + "\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

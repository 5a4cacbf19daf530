"""Piecewise E(3) with a predicted partition: independent-motion error against partition uncertainty.

Data: synthetic articulated arms from ``symc.methods.frames.measurements.part_clouds`` — three box segments of
different sizes (lengths 3, 2.25, 1.69), ``POINTS`` uniform points each, random orientations, each joint
bent by less than 90°, a gap between consecutive segments drawn per arm. Every arm is thus three rigid parts
in their own random poses.

Model: ``SPEC`` (``group piecewise E(3)``, ``frames(parts = 3)``, float64), whose partitioner — a PointNet
averaged over the whole cloud's E(3) frame — predicts 3 logits per point. Only the partitioner is trained:
cross-entropy of ``model.partition_probabilities`` against the true part ids (the segments differ in size,
so the ids are learnable), Adam with cosine decay over a wall-clock budget, fresh arms every step, half of
them with every part moved by its own motion (``part_motions``, the distribution measured below). The
part encoder/decoder keep their random initialisation: independent-motion equivariance depends on the
partition only, not on what the decoder has learned.

Measurement, before and after training, on one fixed test set (``TEST_ARMS`` arms per gap in ``TEST_GAPS``):
``independent_motion_errors`` moves every true part by its own random rigid motion (a random rotation about
the part's centroid and an N(0, I) shift; two sets of motions per arm) and reports the worst relative error
of the per-point outputs with the largest partition uncertainty the model reported over the arm and its moved
copies; ``partition_accuracy`` gives the fraction of correctly labelled points (best relabelling), the worst
over the arm and the same moved copies.

Usage:
    nice -n 10 python benchmarks/piecewise_partition.py                  # ~6 minutes, writes the results file
    python benchmarks/piecewise_partition.py --seconds 20 --no-write    # smoke run
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from pathlib import Path

import torch

import symc
from symc.methods.frames.measurements import (
    independent_motion_errors,
    move_parts,
    part_clouds,
    part_motions,
    partition_accuracy,
)
from symc.methods.frames.piecewise import PiecewiseFrameModel

RESULTS = Path(__file__).resolve().parent / "results" / "piecewise_partition.md"
SPEC = """model ArmParts {
  group piecewise E(3) x S(n)
  input pos: point per point
  output flow: 1o per point, target: point per point
  method frames(backbone = pointnet(hidden = 32, layers = 3), parts = 3)
  dtype float64
}"""
PARTS, POINTS = 3, 16
TRAIN_GAPS = (0.0, 1.5)  # uniform range of the gap between segments in training arms
TEST_GAPS = (0.0, 0.25, 0.5, 1.0, 2.0)
TEST_ARMS = 40
BATCH = 32
UNCERTAINTY_BINS = (0.0, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
EXACT = 1e-10  # relative error counted as exact (float64)


def test_set(seed: int) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """``{"pos": (A, n, 3)}``, true labels ``(n,)`` and each arm's gap ``(A,)``, A = TEST_ARMS · len(TEST_GAPS)."""
    generator = torch.Generator().manual_seed(seed)
    gaps = torch.tensor(TEST_GAPS, dtype=torch.float64).repeat_interleave(TEST_ARMS)
    positions, labels = part_clouds(len(gaps), PARTS, POINTS, gaps, generator)
    return {"pos": positions}, labels, gaps


def measure(
    model: PiecewiseFrameModel, inputs: dict[str, torch.Tensor], labels: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Per test arm, ``(A,)``: ``uncertainty``, ``error`` (independent motions, 2 trials) and label ``accuracy``
    (the worst over the arm and its two moved copies)."""
    uncertainty, error = independent_motion_errors(model, inputs, labels, trials=2, seed=1)
    accuracy = partition_accuracy(model, inputs, labels, trials=2, seed=1)
    return {"uncertainty": uncertainty, "error": error, "accuracy": accuracy}


def train(model: PiecewiseFrameModel, seconds: float, seed: int) -> tuple[int, float]:
    """Fit the partitioner by cross-entropy on fresh arms for ``seconds``; returns (steps, last loss)."""
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.partitioner.parameters(), lr=3e-3)
    start, step, loss = time.perf_counter(), 0, math.nan
    while (elapsed := time.perf_counter() - start) < seconds:
        for group in optimiser.param_groups:
            group["lr"] = 3e-3 * 0.5 * (1 + math.cos(math.pi * elapsed / seconds))
        low, high = TRAIN_GAPS
        gaps = low + (high - low) * torch.rand(BATCH, generator=generator, dtype=torch.float64)
        positions, labels = part_clouds(BATCH, PARTS, POINTS, gaps, generator)
        # Half the arms with independently moved parts: the measurement's moved copies look like these.
        motions = part_motions(model.geometric, positions, labels.expand(BATCH, -1), generator)
        moved = move_parts(model.geometric, model.spec.field("pos"), motions, positions)
        positions = torch.where(torch.rand(BATCH, 1, 1, generator=generator) < 0.5, moved, positions)
        probs = model.partition_probabilities({"pos": positions})
        nll = torch.nn.functional.nll_loss(probs.clamp_min(1e-12).log().flatten(0, 1), labels.repeat(BATCH))
        optimiser.zero_grad()
        nll.backward()
        optimiser.step()
        step, loss = step + 1, nll.item()
    return step, loss


def uncertainty_table(result: dict[str, torch.Tensor]) -> list[str]:
    """Markdown rows: the test arms binned by reported uncertainty."""
    rows = [
        "| uncertainty | arms | label accuracy | all points right | error < 1e-10 "
        "| median rel. error | max rel. error |",
        "|---|---|---|---|---|---|---|",
    ]
    for low, high in itertools.pairwise(UNCERTAINTY_BINS):
        inside = (result["uncertainty"] >= low) & (result["uncertainty"] < high)
        if not inside.any():
            rows.append(f"| [{low:g}, {high:g}) | 0 | – | – | – | – | – |")
            continue
        error, accuracy = result["error"][inside], result["accuracy"][inside]
        rows.append(
            f"| [{low:g}, {high:g}) | {int(inside.sum())} | {accuracy.mean():.3f} | {(accuracy == 1).sum()} "
            f"| {(error < EXACT).sum()} | {error.median():.1e} | {error.max():.1e} |"
        )
    return rows


def correctness_table(result: dict[str, torch.Tensor]) -> list[str]:
    """Markdown rows: arms whose every point is labelled right vs arms with misassigned points."""
    rows = ["| partition | arms | median uncertainty | median rel. error | max rel. error |", "|---|---|---|---|---|"]
    right = result["accuracy"] == 1
    for name, chosen in (("all points right", right), ("some points misassigned", ~right)):
        if not chosen.any():
            rows.append(f"| {name} | 0 | – | – | – |")
            continue
        u, e = result["uncertainty"][chosen], result["error"][chosen]
        rows.append(f"| {name} | {int(chosen.sum())} | {u.median():.1e} | {e.median():.1e} | {e.max():.1e} |")
    return rows


def gap_table(result: dict[str, torch.Tensor], gaps: torch.Tensor) -> list[str]:
    """Markdown rows: the test arms by the gap between segments."""
    rows = ["| gap | mean uncertainty | label accuracy | median rel. error | max rel. error |", "|---|---|---|---|---|"]
    for gap in TEST_GAPS:
        chosen = gaps == gap
        u, a, e = result["uncertainty"][chosen], result["accuracy"][chosen], result["error"][chosen]
        rows.append(f"| {gap:g} | {u.mean():.1e} | {a.mean():.3f} | {e.median():.1e} | {e.max():.1e} |")
    return rows


def report(before: dict, after: dict, gaps: torch.Tensor, steps: int, loss: float, seconds: float) -> str:
    """The results file's markdown."""
    lines = [
        "# Piecewise E(3) with a predicted partition: error against uncertainty",
        "",
        "Generated by `python benchmarks/piecewise_partition.py` (see its docstring for data, model and protocol).",
        f"Model: `frames(pointnet(hidden = 32, layers = 3), parts = 3)`, float64; arms of {PARTS} segments x "
        f"{POINTS} points; test set: {TEST_ARMS} arms per gap in {list(TEST_GAPS)}, each measured under 2 sets of "
        "independent part motions. Uncertainty: the largest mean (1 − max probability) the model reported over "
        "the arm and its moved copies. Error: worst relative error of `flow` and `target`. Label accuracy: the "
        "fraction of points right under the best relabelling, the worst over the arm and its moved copies; "
        "'all points right' means right on all three.",
        f"Training: partitioner only, cross-entropy, {steps} Adam steps of {BATCH} arms in {seconds:.0f} s on one "
        f"CPU thread (final loss {loss:.3g}).",
        "",
    ]
    for name, result in (("Before training", before), ("After training", after)):
        lines += [
            f"## {name}: label accuracy {result['accuracy'].mean():.3f}, "
            f"{int((result['accuracy'] == 1).sum())} / {len(gaps)} arms fully right",
            "",
            "By reported uncertainty:",
            "",
            *uncertainty_table(result),
            "",
            "By partition correctness:",
            "",
            *correctness_table(result),
            "",
            "By gap between segments:",
            "",
            *gap_table(result, gaps),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget (wall clock)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help=f"print only, do not write {RESULTS.name}")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = symc.build(symc.parse(SPEC))
    inputs, labels, gaps = test_set(args.seed + 1000)
    before = measure(model, inputs, labels)
    start = time.perf_counter()
    steps, loss = train(model, args.seconds, args.seed)
    seconds = time.perf_counter() - start
    after = measure(model, inputs, labels)
    text = report(before, after, gaps, steps, loss, seconds)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()

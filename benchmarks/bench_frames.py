"""Frame-averaging overhead: a frame-averaged model vs its bare backbone, in the same run.

For n = 10, 100, 1000 points (batch 8; 2 with --quick) it times one forward pass of
* the bare backbone on the raw inputs (batch B),
* the bare backbone on an 8x batch (8B, the work frame averaging hands it),
* the E(3) frame-averaged model (8 frame elements per sample, all in ONE batched backbone call),
* the frame construction alone.
The timings are interleaved (one call of each per round, so a load change hits all of them alike) and the
best of the rounds is kept; with one thread (the default) the clock is the process's CPU time, so other
processes on a shared machine do not inflate it. ``FA / bare`` should be close to the frame size 8 and no
worse; ``bare 8x / bare`` shows whether the backbone itself is linear in the batch, and ``FA / bare 8x``
isolates the wrapper (frames, canonicalising, mapping back, averaging). The gnn (knn 16) computes its
neighbour graph once per input under frame averaging (rigid frames keep distances); the bare runs compute
their own.

Usage: python benchmarks/bench_frames.py [--quick] [--repeats 20] [--out benchmarks/results/frames.md]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch

import symc
from symc.solvers.frames import euclidean_frames

SPEC = """model Bench {
  group E(3) x S(n)
  input pos: point per point, vel: 1o per point
  output pos: point per point, energy: 0e global
  locality knn(16)
  method frames(backbone = BACKBONE)
}"""
BACKBONES = ("pointnet(hidden = 64, layers = 3)", "gnn(hidden = 64, layers = 3)")
SIZES = (10, 100, 1000)
FRAME_SIZE = 8


def interleaved_best(
    fns: dict[str, Callable[[], object]], repeats: int, clock: Callable[[], float]
) -> dict[str, float]:
    """Best seconds per function over ``repeats`` rounds, one call of each per round (after a warm-up)."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = clock()
            fn()
            best[name] = min(best[name], clock() - start)
    return best


def measure(backbone: str, n: int, batch: int, repeats: int, clock: Callable[[], float]) -> dict[str, float]:
    """Best times (ms) of the bare backbone (batch and 8x batch), the frame-averaged model and the frames alone."""
    model = symc.build(symc.parse(SPEC.replace("BACKBONE", backbone))).eval()
    generator = torch.Generator().manual_seed(n)
    pos = torch.randn(batch, n, 3, generator=generator)
    vel = torch.randn(batch, n, 3, generator=generator)
    feats, none = torch.cat([pos, vel], -1), pos.new_zeros(batch, 0)
    wide_feats, wide_pos, wide_none = (
        feats.repeat(FRAME_SIZE, 1, 1),
        pos.repeat(FRAME_SIZE, 1, 1),
        none.repeat(FRAME_SIZE, 1),
    )
    fns = {
        "bare": lambda: model.backbone(feats, none, pos),
        "bare8": lambda: model.backbone(wide_feats, wide_none, wide_pos),
        "fa": lambda: model({"pos": pos, "vel": vel}),
        "frames": lambda: euclidean_frames(pos, rotations_only=False, translate=True),
    }
    with torch.no_grad():
        best = interleaved_best(fns, repeats, clock)
    return {name: 1e3 * seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="batch 2 and 3 repeats; n still up to 1000")
    parser.add_argument("--repeats", type=int, default=20, help="interleaved rounds (best kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/frames.md"), help="markdown table")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    repeats, batch = (3, 2) if args.quick else (args.repeats, 8)
    # One thread: CPU time of this process, which other processes' load does not inflate (on a quiet machine it
    # equals wall time); several threads: wall time.
    clock, clock_name = (time.process_time, "CPU time") if args.threads == 1 else (time.perf_counter, "wall time")
    rows = ["| backbone | n | bare (ms) | bare 8x batch (ms) | FA, 8 frames (ms) | frames only (ms) "
            "| **FA / bare** | bare 8x / bare | FA / bare 8x |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for backbone in BACKBONES:
        for n in SIZES:
            r = measure(backbone, n, batch=batch, repeats=repeats, clock=clock)
            name = backbone.split("(")[0] + (" (knn 16)" if backbone.startswith("gnn") else "")
            rows.append(
                f"| {name} | {n} | {r['bare']:.2f} | {r['bare8']:.2f} | {r['fa']:.2f} | {r['frames']:.2f} "
                f"| **{r['fa'] / r['bare']:.2f}** | {r['bare8'] / r['bare']:.2f} | {r['fa'] / r['bare8']:.2f} |"
            )
            print(rows[-1], flush=True)
    device = f"CPU, {torch.get_num_threads()} thread(s)"
    text = (
        f"## Frame-averaging overhead (E(3), batch {batch}, float32, {device}, {clock_name}, best of {repeats} "
        f"interleaved rounds)\n\n" + "\n".join(rows) + "\n"
    )
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()

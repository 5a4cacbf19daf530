"""Frame-averaging overhead: a frame-averaged model vs its bare backbone, in the same run.

For n = 10, 100, 1000 points (batch 8; 2 with --quick) it times one forward pass of the bare backbone on
the raw inputs and of the E(3) frame-averaged model (8 frame elements, batched into one backbone call), and reports the
ratio. Frame averaging evaluates the backbone on 8x the batch, so the ideal ratio is ≈ 8 (less when the
backbone does not scale linearly in batch at small sizes). The last column divides by the bare backbone
run on the same 8x batch, isolating the wrapper's own cost (frames, canonicalising, mapping back); it is
≈ 1 when the frame elements are batched. Also times the frame construction alone.

Usage: python benchmarks/bench_frames.py [--quick] [--out benchmarks/results/frames.md]
"""

from __future__ import annotations

import argparse
import time
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


def best_time(fn, repeats: int) -> float:
    """Best wall-clock seconds of ``repeats`` calls (after one warm-up): robust to a shared, noisy machine."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(backbone: str, n: int, batch: int, repeats: int) -> dict[str, float]:
    model = symc.build(symc.parse(SPEC.replace("BACKBONE", backbone))).eval()
    generator = torch.Generator().manual_seed(n)
    pos = torch.randn(batch, n, 3, generator=generator)
    vel = torch.randn(batch, n, 3, generator=generator)
    inputs = {"pos": pos, "vel": vel}
    with torch.no_grad():
        bare = best_time(lambda: model.backbone(torch.cat([pos, vel], -1), pos.new_zeros(batch, 0), pos), repeats)
        wide = [t.repeat(8, 1, 1) for t in (pos, vel)]
        bare8 = best_time(lambda: model.backbone(torch.cat(wide, -1), pos.new_zeros(8 * batch, 0), wide[0]), repeats)
        averaged = best_time(lambda: model(inputs), repeats)
        frames = best_time(lambda: euclidean_frames(pos, rotations_only=False, translate=True), repeats)
    return {
        "bare_ms": 1e3 * bare,
        "bare8_ms": 1e3 * bare8,
        "fa_ms": 1e3 * averaged,
        "frames_ms": 1e3 * frames,
        "ratio": averaged / bare,
        "wrapper": averaged / bare8,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="batch 2 and 3 repeats; n still up to 1000")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = parser.parse_args()
    repeats, batch = (3, 2) if args.quick else (10, 8)
    rows = ["| backbone | n | bare (ms) | bare on 8x batch (ms) | FA, 8 frames (ms) | frames only (ms) "
            "| FA / bare | FA / bare on 8x batch |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for backbone in ("pointnet(hidden = 64, layers = 3)", "gnn(hidden = 64, layers = 3)"):
        for n in (10, 100, 1000):
            r = measure(backbone, n, batch=batch, repeats=repeats)
            name = backbone.split("(")[0] + (" (knn 16)" if backbone.startswith("gnn") else "")
            rows.append(
                f"| {name} | {n} | {r['bare_ms']:.2f} | {r['bare8_ms']:.2f} | {r['fa_ms']:.2f} | {r['frames_ms']:.2f} "
                f"| {r['ratio']:.2f} | {r['wrapper']:.2f} |"
            )
            print(rows[-1], flush=True)
    table = "\n".join(rows)
    device = "CPU, " + str(torch.get_num_threads()) + " thread(s)"
    text = f"## Frame-averaging overhead (E(3), batch {batch}, float32, {device})\n\n{table}\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()

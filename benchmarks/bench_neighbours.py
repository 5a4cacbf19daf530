"""symc's radius / kNN graphs (cell list) against brute force, in one run: time and extra peak memory.

    python benchmarks/bench_neighbours.py --quick   # n = 1k, 10k (about a minute)
    python benchmarks/bench_neighbours.py           # adds n = 100k (cell list only, a few minutes)

Points are uniform in a cube whose side keeps the density fixed (≈ 32 neighbours in the radius, k = 16).
Each measurement runs in a fresh subprocess that reports its peak RSS above the RSS after building the
inputs, so memory numbers do not leak between routes. Brute force is symc's memory-bounded route (chunks of
4M pair distances); the dense N×N distance matrix that ``torch.cdist`` would hold is listed for scale.
Brute force is not run above ``BRUTE_UP_TO`` points (quadratic: ~100x the 10k time at 100k); its time there is
extrapolated as (n / 10k)² times the measured 10k time and marked with ~.
Results go to ``benchmarks/results/neighbours.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "neighbours.md"
NEIGHBOURS_IN_BALL = 32
K = 16
BRUTE_UP_TO = 10_000

CHILD = """
import json, resource, sys, time, math, torch
from symc.locality.neighbours import knn_graph, radius_graph
torch.set_num_threads(1)
kind, method, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
side = (n / {ball} * 4 / 3 * math.pi) ** (1 / 3)  # ball of radius 1 holds about {ball} points
pos = torch.rand(n, 3, generator=torch.Generator().manual_seed(0)) * side
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
edges = radius_graph(pos, 1.0, method=method) if kind == "radius" else knn_graph(pos, {k}, method=method)
seconds = time.perf_counter() - start
extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps(dict(seconds=seconds, mib=extra, edges=int(edges.shape[1]))))
"""


def measure(kind: str, method: str, n: int) -> dict:
    code = CHILD.format(ball=NEIGHBOURS_IN_BALL, k=K)
    command = [sys.executable, "-c", code, kind, method, str(n)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n = 1k and 10k only")
    args = parser.parse_args(argv)
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    rows = [
        "| graph | n | edges | cell list (s) | brute force (s) | speed-up | cell list extra MiB | brute extra MiB "
        "| dense N×N MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("radius", "knn"):
        brute_at: dict[int, float] = {}
        for n in sizes:
            cells = measure(kind, "cells", n)
            if n <= BRUTE_UP_TO:
                brute = measure(kind, "brute", n)
                assert cells["edges"] == brute["edges"], "routes disagree"
                brute_at[n] = brute["seconds"]
                brute_time, brute_mib = f"{brute['seconds']:.3f}", f"{brute['mib']:.0f}"
                ratio = brute["seconds"] / cells["seconds"]
            else:
                known = max(brute_at)
                estimate = brute_at[known] * (n / known) ** 2
                brute_time, brute_mib, ratio = f"~{estimate:.0f}", "–", estimate / cells["seconds"]
            dense = n * n * 4 / 2**20
            rows.append(
                f"| {kind} | {n} | {cells['edges']} | {cells['seconds']:.3f} | {brute_time} | "
                f"{ratio:.1f}x | {cells['mib']:.0f} | {brute_mib} | {dense:.0f} |"
            )
            print(rows[-1], flush=True)
    text = (
        "# Neighbour search: symc cell list vs brute force (one run, 1 thread, float32, 3D)\n\n"
        f"radius r = 1 at ≈{NEIGHBOURS_IN_BALL} points per ball; kNN with k = {K}. Same edges from both routes.\n\n"
        + "\n".join(rows)
        + "\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

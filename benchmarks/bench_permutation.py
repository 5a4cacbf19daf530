"""Permutation symmetry at scale: closed-form S(n) layers, SPEN ego(2) vs the global 2-IGN, ego-net extraction.

    python benchmarks/bench_permutation.py            # full: 2-IGN/SPEN to n = 3000, closed form to n = 2000
    python benchmarks/bench_permutation.py --quick    # smaller sizes, about a minute

Three tables, each with ratios measured in the same run:

1. The equivariant linear layer T(2) -> T(2) (15 partition ops, 4 channels in and out): symc's closed form
   (``apply_partition_op``: sums, diagonals, broadcasts, O(n^2)) vs the dense route (the 15 basis matrices of
   size n^2 x n^2 combined into one kernel, then a matmul: O(n^4)), at n = 8, 16, 32; then the closed form
   alone up to n = 2000.
2. One forward of a graph-level model (hidden 8, one layer, float32) on G(n, m = 2n) random graphs (average
   degree 4): SPEN ego(2) vs the global 2-IGN, with power-law exponents fitted to time and memory.
3. 2-hop ego-net extraction of every node of a 10,000-node graph: ``symc.locality.egonets`` vs a loop of
   ``networkx.ego_graph`` (in --quick mode networkx runs 1,000 centres and is scaled by 10).

Every case runs in a fresh process with one torch thread; peak memory is the growth of the process's maximum
resident set size over the case (inputs already allocated), so it counts every temporary.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

from report import environment_line, markdown_table, ratio, seconds, write_section

RESULTS = Path(__file__).resolve().parent / "results" / "permutation.md"

# Runs in a child process; the case arrives as JSON in argv (numbers and names only), never as code.
CHILD = r"""
import json, resource, sys, time
import torch
torch.set_num_threads(1)
case = json.loads(sys.argv[1])

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

def timed(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter(); fn(); best = min(best, time.perf_counter() - start)
    return best

kind, n = case["kind"], case["n"]
generator = torch.Generator().manual_seed(0)
if kind == "linear":
    from symc.layers.permutation import apply_partition_op, partition_ops
    channels = 4
    ops = partition_ops(2, 2)
    weights = torch.randn(len(ops), channels, channels, generator=generator)
    x = torch.randn(1, n, n, channels, generator=generator)
    base = rss_mb()
    if case["route"] == "closed":
        def forward():
            return sum(apply_partition_op(x, labels, 2, 2, weight=w) for labels, w in zip(ops, weights))
    else:
        from symc.solvers.partitions import partition_basis
        basis = partition_basis(n, 2, 2, dtype=torch.float32)
        kernel = torch.einsum("kij,koc->iojc", basis, weights).reshape(n * n * channels, n * n * channels)
        del basis
        flat = x.reshape(1, n * n * channels)
        def forward():
            return (flat @ kernel.T).reshape(1, n, n, channels)
    elapsed = timed(forward, case["repeats"])
elif kind == "spen":
    import networkx as nx
    import symc
    from symc.methods.ego.model import graph_model
    spec = symc.parse(
        "model B { group S(n); input adjacency: T(0) per pair, features: T(0) per node; "
        "output value: T(0) global; locality ego(k = 2, edges = adjacency); method basis; hidden 8; layers 1 }"
    )
    graph = nx.gnm_random_graph(n, 2 * n, seed=0)
    edges = torch.tensor(list(graph.edges), dtype=torch.long).T
    inputs = {"edge_index": edges, "adjacency": torch.ones(edges.shape[1], 1), "features": torch.ones(n, 1)}
    model = graph_model(spec, case["route"], hops=2)
    base = rss_mb()
    with torch.no_grad():
        elapsed = timed(lambda: model(inputs), case["repeats"])
else:
    import networkx as nx
    from symc.locality.egonets import coalesce_undirected, ego_subgraphs
    graph = nx.gnm_random_graph(n, 2 * n, seed=0)
    edges = torch.tensor(list(graph.edges), dtype=torch.long).T
    base = rss_mb()
    if case["route"] == "symc":
        elapsed = timed(lambda: ego_subgraphs(coalesce_undirected(edges, n), 2), case["repeats"])
    else:
        centres = case["centres"]
        start = time.perf_counter()
        for c in range(centres):
            nx.ego_graph(graph, c, radius=2)
        elapsed = (time.perf_counter() - start) * n / centres
print(json.dumps({"seconds": elapsed, "peak_mb": rss_mb() - base}))
"""


def run_case(case: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(case)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"seconds": None, "peak_mb": None, "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def megabytes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} MB"


def fitted_exponent(sizes: list[int], values: list[float | None]) -> str:
    """Least-squares slope of log(value) against log(n), over the measured points."""
    points = [(math.log(n), math.log(max(v, 1e-9))) for n, v in zip(sizes, values, strict=True) if v is not None]
    if len(points) < 2:
        return "—"
    mean_x = sum(p[0] for p in points) / len(points)
    mean_y = sum(p[1] for p in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return f"n^{slope:.2f}"


def linear_layer_table(quick: bool) -> str:
    rows = []
    for n in (8, 16, 32):
        closed = run_case({"kind": "linear", "route": "closed", "n": n, "repeats": 5})
        dense = run_case({"kind": "linear", "route": "dense", "n": n, "repeats": 5})
        rows.append(
            [
                n,
                seconds(closed["seconds"]),
                seconds(dense["seconds"]),
                ratio(dense["seconds"], closed["seconds"]),
                megabytes(closed["peak_mb"]),
                megabytes(dense["peak_mb"]),
            ]
        )
    for n in (100, 500, 1000) if quick else (100, 500, 1000, 2000):
        closed = run_case({"kind": "linear", "route": "closed", "n": n, "repeats": 2})
        rows.append([n, seconds(closed["seconds"]), "—", "—", megabytes(closed["peak_mb"]), "—"])
    headers = ["n", "closed form", "dense basis matmul", "dense / closed", "closed peak mem", "dense peak mem"]
    return "### T(2) -> T(2) equivariant linear layer (4 -> 4 channels, float32)\n\n" + markdown_table(headers, rows)


def spen_table(quick: bool) -> str:
    sizes = [100, 300, 1000] if quick else [100, 300, 1000, 3000]
    results = {
        route: [run_case({"kind": "spen", "route": route, "n": n, "repeats": 2}) for n in sizes]
        for route in ("ego", "complete")
    }
    rows = []
    for i, n in enumerate(sizes):
        ego, ign = results["ego"][i], results["complete"][i]
        rows.append(
            [
                n,
                seconds(ego["seconds"]),
                seconds(ign["seconds"]),
                ratio(ign["seconds"], ego["seconds"]),
                megabytes(ego["peak_mb"]),
                megabytes(ign["peak_mb"]),
                ratio(ign["peak_mb"], ego["peak_mb"]),
            ]
        )
    rows.append(
        [
            "fit",
            *(fitted_exponent(sizes, [r["seconds"] for r in results[a]]) for a in ("ego", "complete")),
            "",
            *(fitted_exponent(sizes, [r["peak_mb"] for r in results[a]]) for a in ("ego", "complete")),
            "",
        ]
    )
    headers = ["n", "ego(2) time", "2-IGN time", "2-IGN / ego", "ego(2) peak mem", "2-IGN peak mem", "2-IGN / ego"]
    return "### One forward, SPEN ego(2) vs global 2-IGN (G(n, 2n), hidden 8, 1 layer, float32)\n\n" + markdown_table(
        headers, rows
    )


def extraction_table(quick: bool) -> str:
    n = 10_000
    mine = run_case({"kind": "extract", "route": "symc", "n": n, "repeats": 2})
    reference = run_case(
        {"kind": "extract", "route": "networkx", "n": n, "repeats": 1, "centres": 1_000 if quick else n}
    )
    note = " (networkx: 1,000 centres, scaled by 10)" if quick else ""
    rows = [[n, seconds(mine["seconds"]), seconds(reference["seconds"]), ratio(reference["seconds"], mine["seconds"])]]
    return f"### 2-hop ego-nets of every node, G(10000, 20000){note}\n\n" + markdown_table(
        ["n", "symc (batched torch)", "networkx ego_graph loop", "networkx / symc"], rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    args = parser.parse_args()
    sections = [linear_layer_table(args.quick), spen_table(args.quick), extraction_table(args.quick)]
    body = "\n\n".join([environment_line() + (" — quick mode" if args.quick else ""), *sections])
    print(body)
    RESULTS.parent.mkdir(exist_ok=True)
    write_section("bench_permutation", body, readme=RESULTS)


if __name__ == "__main__":
    main()

"""Full channel-wise tensor product, all l ≤ L in and l ≤ 2L out: symc-Gaunt and symc-CG against e3nn.

    python benchmarks/bench_tensor_product.py --quick          # L = 1, 2, 4, 6 (about 3 minutes on 2 cores)
    python benchmarks/bench_tensor_product.py                  # L = 1, 2, 4, 6, 8, 10
    python benchmarks/bench_tensor_product.py --device cuda    # the same on a GPU

Inputs ``c x (0e + 1o + … + Le)`` for both operands, output ``c x (0e + … + 2L)``: every path allowed by
parity, channel by channel ("uuu"). e3nn is ``o3.TensorProduct`` with exactly those "uuu" instructions and
learnable per-path weights (normalisations off, as in the Gaunt paper's comparison); symc-CG has the same
paths and weights (its layout, one dense GEMM or one GEMM per (l1, l2) block, chosen by the cost model);
symc-Gaunt is the Gaunt product, route chosen by the cost model (``auto``), and for reference each Gaunt
route. float32, batch ≥ 1024, channels 1 and 16. Time: minimum over interleaved
repeats after a warm-up (the machine is shared). With ``--warm 1`` (default) every timed call follows
another method's, so it starts with cold caches, as a layer inside a network does; ``--warm K`` keeps the
best of K back-to-back calls per repeat, a method's steady state (what a single-layer loop measures).
Memory: on CUDA the peak allocated during fwd+bwd; on CPU the bytes autograd saves for backward
(activation memory), which is what grows with batch.
On a shared CPU use ``--threads 1`` (default): with 2 threads each small op waited ~40 ms for the other.
The fitted exponent is the slope of log(time) against log(L) over L ≥ 2. A method whose warm-up fwd+bwd
takes longer than ``--max-call-s`` (default 60 s) is not repeated at that size; the output says so.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from symc.methods.tensor_product.module import TensorProduct
from symc.so3.irreps import Irreps

ROUTES = ("dense", "grid", "fft")


def features(lmax: int, channels: int) -> Irreps:
    return Irreps([(channels, (l, (-1) ** l)) for l in range(lmax + 1)])


def e3nn_product(lmax: int, channels: int) -> torch.nn.Module:
    from e3nn import o3

    irreps = o3.Irreps(str(features(lmax, channels)))
    out = o3.Irreps(str(features(2 * lmax, channels)))
    instructions = [
        (i1, i2, i3, "uuu", True)
        for i1, (_, a) in enumerate(irreps)
        for i2, (_, b) in enumerate(irreps)
        for i3, (_, c) in enumerate(out)
        if c in a * b
    ]
    return o3.TensorProduct(irreps, irreps, out, instructions, irrep_normalization="none", path_normalization="none")


def candidates(lmax: int, channels: int, batch: int, args: argparse.Namespace) -> dict[str, Callable]:
    """name -> builder of a module taking (x, y)."""
    irreps, out = features(lmax, channels), features(2 * lmax, channels)
    found: dict[str, Callable] = {
        "symc-gaunt": lambda: TensorProduct(irreps, irreps, out, "gaunt", batch_hint=batch),
    }
    if args.routes:
        for route in ROUTES:
            found[f"gaunt-{route}"] = lambda route=route: TensorProduct(irreps, irreps, out, "gaunt", route=route)
    if lmax <= args.cg_lmax:
        found["symc-cg"] = lambda: TensorProduct(irreps, irreps, out, "cg")
    if lmax <= args.e3nn_lmax:
        found["e3nn"] = lambda: e3nn_product(lmax, channels)
    return found


def run_once(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, backward: bool, device: str) -> float:
    start = time.perf_counter()
    out = module(x, y)
    if backward:
        out.backward(torch.ones_like(out))
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def saved_bytes(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    """Bytes autograd keeps for backward in one forward (distinct storages counted once)."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.device.type != "meta":
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = module(x, y)
    return sum(seen.values()) + out.numel() * out.element_size()


def peak_bytes(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, device: str) -> int:
    if device != "cuda":
        return saved_bytes(module, x, y)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    out = module(x, y)
    out.backward(torch.ones_like(out))
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def measure(lmax: int, channels: int, args: argparse.Namespace, notes: list[str]) -> list[dict]:
    """Rows of one size; a method skipped by ``--max-call-s`` gets a line in ``notes`` instead."""
    device, batch = args.device, args.batch
    irreps = features(lmax, channels)
    generator = torch.Generator().manual_seed(lmax)
    x = torch.randn(batch, irreps.dim, generator=generator).to(device).requires_grad_()
    y = torch.randn(batch, irreps.dim, generator=generator).to(device).requires_grad_()
    modules, rows = {}, []
    for name, build in candidates(lmax, channels, batch, args).items():
        start = time.perf_counter()
        modules[name] = build().to(device=device, dtype=torch.float32)
        rows.append({"name": name, "build_s": time.perf_counter() - start})
    for name, module in list(modules.items()):  # warm-up (e3nn codegen, caches)
        seconds = run_once(module, x, y, True, device)
        if seconds > args.max_call_s:
            del modules[name]
            rows = [r for r in rows if r["name"] != name]
            notes.append(
                f"{name} at L={lmax} c={channels}: skipped, one fwd+bwd took {seconds:.0f} s > {args.max_call_s} s"
            )
    times = {(name, bwd): [] for name in modules for bwd in (False, True)}
    for _ in range(args.repeats):
        for name, module in modules.items():
            for bwd in (False, True):
                times[(name, bwd)].append(min(run_once(module, x, y, bwd, device) for _ in range(args.warm)))
    for row in rows:
        module = modules[row["name"]]
        row.update(
            L=lmax,
            channels=channels,
            fwd_ms=1e3 * min(times[(row["name"], False)]),
            fwdbwd_ms=1e3 * min(times[(row["name"], True)]),
            mem_mb=peak_bytes(module, x, y, device) / 2**20,
            route=_route(module),
        )
    return rows


def _route(module: torch.nn.Module) -> str:
    """The Gaunt route, or the CG layout (``cg/dense``, ``cg/blocks``); empty for e3nn."""
    route = getattr(module, "route", "")
    return f"{route}/{module.cg_layout}" if route == "cg" else route


def exponent(rows: list[dict], name: str, channels: int, key: str) -> float:
    points = [(r["L"], r[key]) for r in rows if r["name"] == name and r["channels"] == channels and r["L"] >= 2]
    if len(points) < 2:
        return math.nan
    ls, ts = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(ls, ts, 1)[0])


def table(rows: list[dict], args: argparse.Namespace, notes: list[str]) -> str:
    lines = [
        f"Device: {args.device} ({torch.get_num_threads()} threads), batch {args.batch}, float32, "
        f"min of {args.repeats} interleaved repeats after warm-up"
        + (f", each the best of {args.warm} back-to-back calls" if args.warm > 1 else " (cold caches)")
        + ". Memory: "
        + ("peak allocated in fwd+bwd." if args.device == "cuda" else "bytes saved for backward + output."),
        "",
        "| L | c | method | route | build s | fwd ms | fwd+bwd ms | memory MiB | "
        "e3nn/method fwd | e3nn/method fwd+bwd |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        peer = next(
            (r for r in rows if r["name"] == "e3nn" and r["L"] == row["L"] and r["channels"] == row["channels"]), None
        )
        fwd = f"{peer['fwd_ms'] / row['fwd_ms']:.1f}x" if peer else "–"
        both = f"{peer['fwdbwd_ms'] / row['fwdbwd_ms']:.1f}x" if peer else "–"
        lines.append(
            f"| {row['L']} | {row['channels']} | {row['name']} | {row['route']} | {row['build_s']:.2f} | "
            f"{row['fwd_ms']:.2f} | {row['fwdbwd_ms']:.2f} | {row['mem_mb']:.1f} | {fwd} | {both} |"
        )
    lines += ["", "Fitted exponent of time vs L (L ≥ 2; Gaunt target ≈ 3):", ""]
    lines += ["| method | c | fwd | fwd+bwd |", "|---|---|---|---|"]
    for name in dict.fromkeys(r["name"] for r in rows):
        for channels in args.channels:
            lines.append(
                f"| {name} | {channels} | {exponent(rows, name, channels, 'fwd_ms'):.2f} | "
                f"{exponent(rows, name, channels, 'fwdbwd_ms'):.2f} |"
            )
    if notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L = 1, 2, 4, 6 only")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--channels", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warm", type=int, default=1, help="back-to-back calls per method and repeat (best kept)")
    parser.add_argument("--lmaxes", type=int, nargs="+", help="these L only (default 1 2 4 6 8 10)")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads (1: on a shared machine, 2 threads spin on each other)"
    )
    parser.add_argument("--e3nn-lmax", type=int, default=10, help="skip e3nn above this L")
    parser.add_argument("--cg-lmax", type=int, default=10, help="skip symc-CG above this L")
    parser.add_argument(
        "--max-call-s", type=float, default=60.0, help="skip a method at a size where one fwd+bwd takes longer"
    )
    parser.add_argument("--routes", action="store_true", help="also time each Gaunt route")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "tensor_product.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lmaxes = args.lmaxes or ((1, 2, 4, 6) if args.quick else (1, 2, 4, 6, 8, 10))
    rows, notes = [], []
    for channels in args.channels:
        for lmax in lmaxes:
            rows += measure(lmax, channels, args, notes)
            print(f"done L={lmax} c={channels}", file=sys.stderr, flush=True)
    text = table(rows, args, notes)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# Tensor product benchmark ({' '.join(sys.argv[1:]) or 'full'})\n\n{text}\n")


if __name__ == "__main__":
    main()

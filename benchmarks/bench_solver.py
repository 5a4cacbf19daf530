"""Equivariant-basis solving: symc's solver vs the dense stacked-SVD baseline vs EMLP, in one run.

    python benchmarks/bench_solver.py            # full run (several minutes on 2 cores)
    python benchmarks/bench_solver.py --quick    # the four headline problems only, one repeat

For each problem ``ρ_in → ρ_out`` it times ``symc.solvers.solve_equivariant_basis`` (disk cache off),
``symc.solvers.dense_constraint_nullspace`` (the SVD of the stacked (m·N, N) constraint matrix,
N = dim_in·dim_out), and EMLP's ``equivariant_basis`` in a subprocess (``benchmarks/.venv-emlp`` when
present, see README). Times are medians of a few repeats; the three dimensions must agree. A size sweep
fits how each route grows with N, and a growth search finds the largest problem symc solves in < 10 s.
Missing pieces (symc stage not there yet, no emlp) turn into a skipped cell with a reason, not a crash.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from report import environment_line, markdown_table, ratio, seconds, write_section

HERE = Path(__file__).resolve().parent
EMLP_VENV_PYTHON = HERE / ".venv-emlp" / "bin" / "python"

HEADLINE = [
    ("SO(3)", "T(3)", "T(3)"),
    ("SO+(1,3)", "T(2)", "T(2)"),
    ("S(8)", "T(2)", "T(2)"),
    ("GL+(3)", "T(2,1)", "T(2,1)"),
]
# k = 4 (N = 6561) runs only in the growth search, whose subprocess timeout bounds it.
SO3_SWEEP = [("SO(3)", f"T({k})", f"T({k})") for k in range(1, 4)]
SN_SWEEP = [(f"S({n})", "T(2)", "T(2)") for n in range(4, 13)]
GROWTH_FAMILIES = {
    "SO(3) T(k)→T(k)": lambda k: ("SO(3)", f"T({k})", f"T({k})"),
    "SO+(1,3) T(k)→T(0)": lambda k: ("SO+(1,3)", f"T({k})", "T(0)"),
}
GROWTH_LIMIT_S = 10.0
# Below this a timing is dominated by Python overhead and says nothing about the asymptotic growth.
FIT_FLOOR_S = 2e-3


@dataclass
class Timing:
    """Median seconds and basis dimension of one route on one problem, or why it was not measured."""

    seconds: float | None = None
    dim: int | None = None
    route: str = ""
    skipped: str = ""

    def cell(self) -> str:
        return seconds(self.seconds) if self.seconds is not None else f"skipped: {self.skipped}"


def problem_label(problem: tuple[str, str, str]) -> str:
    group, rep_in, rep_out = problem
    return f"{group} {rep_in}→{rep_out}"


def defining_dim(group: str) -> int:
    """Size of V for the groups used here (``SO+(1,3)``: 4, ``S(8)``: 8, ``GL+(3)``: 3)."""
    if group == "SO+(1,3)":
        return 4
    return int(re.search(r"\((\d+)\)", group).group(1))


def tensor_order(rep: str) -> int:
    return sum(int(a) for a in re.findall(r"\d+", rep))


def unknowns(problem: tuple[str, str, str]) -> int:
    """N = dim_in · dim_out for T(k,l) reps."""
    group, rep_in, rep_out = problem
    return defining_dim(group) ** (tensor_order(rep_in) + tensor_order(rep_out))


def median_time(run: Callable[[], int], repeats: int, budget_s: float = 30.0) -> tuple[float, int]:
    """Median wall time of ``run()`` (which returns the basis dimension); stops repeating past ``budget_s``."""
    timings, dim = [], 0
    for _ in range(repeats):
        if sum(timings) > budget_s:
            break
        start = time.perf_counter()
        dim = run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), dim


def _dimension_of(result) -> int:
    """Basis count of whatever a solver route returns: a SolvedBasis, a NullSpace or a ``(k, ...)`` tensor."""
    for attribute in ("basis", "vectors"):
        if hasattr(result, attribute):
            return int(getattr(result, attribute).shape[0])
    return int(result.shape[0])


def time_symc(problem: tuple[str, str, str], repeats: int) -> Timing:
    try:
        from symc.solvers import solve_equivariant_basis
    except Exception as exc:  # a missing stage becomes a skipped cell
        return Timing(skipped=f"symc solver unavailable ({type(exc).__name__}: {exc})")
    route = ""

    def solve() -> int:
        nonlocal route
        solved = solve_equivariant_basis(*problem, use_cache=False)
        route = solved.certificate.route
        return solved.dim

    elapsed, dim = median_time(solve, repeats)
    return Timing(elapsed, dim, route)


def time_dense(problem: tuple[str, str, str], repeats: int, max_unknowns: int) -> Timing:
    if unknowns(problem) > max_unknowns:
        return Timing(skipped=f"N > {max_unknowns}")
    try:
        from symc.solvers import dense_constraint_nullspace
    except Exception as exc:  # a missing stage becomes a skipped cell
        return Timing(skipped=f"dense baseline unavailable ({type(exc).__name__}: {exc})")
    elapsed, dim = median_time(lambda: _dimension_of(dense_constraint_nullspace(*problem)), repeats)
    return Timing(elapsed, dim, "dense-svd")


def emlp_python(explicit: str | None) -> str | None:
    """The interpreter that can import emlp: ``--emlp-python``, the benchmark venv, or this one."""
    if explicit:
        return explicit
    if EMLP_VENV_PYTHON.exists():
        return str(EMLP_VENV_PYTHON)
    probe = subprocess.run([sys.executable, "-c", "import emlp.reps"], capture_output=True, check=False)
    return sys.executable if probe.returncode == 0 else None


def time_emlp(problem: tuple[str, str, str], repeats: int, python: str | None, timeout_s: float) -> Timing:
    if python is None:
        return Timing(skipped="emlp not importable (see README: benchmarks/.venv-emlp)")
    command = [python, str(HERE / "emlp_peer.py"), *problem, str(repeats)]
    # EMLP's Krylov progress bar passes numpy floats that current tqdm rejects; the bar is off anyway.
    env = {**os.environ, "TQDM_DISABLE": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False, env=env)
    except subprocess.TimeoutExpired:
        return Timing(skipped=f"> {timeout_s:.0f} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return Timing(skipped=f"emlp failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(lines[-1])
    if "error" in result:
        return Timing(skipped=f"emlp error: {result['error']}")
    return Timing(result["seconds"], result["dim"], "emlp")


def agreement(*timings: Timing) -> str:
    dims = {t.dim for t in timings if t.dim is not None}
    if len(dims) > 1:
        return "**MISMATCH**"
    return "yes" if sum(t.dim is not None for t in timings) > 1 else "—"


def compare(problems, args, python: str | None, with_emlp: Callable[[tuple[str, str, str]], bool]) -> list[dict]:
    """Time the three routes on every problem; prints each row as it is measured."""
    rows = []
    for problem in problems:
        symc_timing = time_symc(problem, args.repeats)
        dense_timing = time_dense(problem, args.repeats, args.dense_max_n)
        emlp_timing = (
            time_emlp(problem, args.repeats, python, args.emlp_timeout)
            if with_emlp(problem)
            else Timing(skipped=f"N > {args.emlp_max_n}")
        )
        row = {"problem": problem, "N": unknowns(problem), "symc": symc_timing, "dense": dense_timing,
               "emlp": emlp_timing}
        rows.append(row)
        print(f"{problem_label(problem):28s} N={row['N']:>7d}  symc {symc_timing.cell():>12s} "
              f"(dim {symc_timing.dim}, {symc_timing.route})  dense {dense_timing.cell():>12s} "
              f"(dim {dense_timing.dim})  emlp {emlp_timing.cell():>12s} (dim {emlp_timing.dim})", flush=True)
    return rows


def comparison_table(rows: list[dict]) -> str:
    headers = ["problem", "N", "dim symc / dense / EMLP", "agree", "symc route", "symc", "dense SVD", "EMLP",
               "dense ÷ symc", "EMLP ÷ symc"]
    body = []
    for row in rows:
        s, d, e = row["symc"], row["dense"], row["emlp"]
        dims = " / ".join("—" if t.dim is None else str(t.dim) for t in (s, d, e))
        body.append([problem_label(row["problem"]), row["N"], dims, agreement(s, d, e), s.route or "—", s.cell(),
                     d.cell(), e.cell(), ratio(d.seconds, s.seconds), ratio(e.seconds, s.seconds)])
    return markdown_table(headers, body)


def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope p of log t = a + p log N over points with t ≥ FIT_FLOOR_S (None if < 2)."""
    usable = [(math.log(n), math.log(t)) for n, t in points if t is not None and t >= FIT_FLOOR_S]
    if len(usable) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    spread = sum((x - mean_x) ** 2 for x, _ in usable)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in usable) / spread


def growth_fits(sweeps: dict[str, list[dict]]) -> str:
    body = []
    for family, rows in sweeps.items():
        for route in ("symc", "dense", "emlp"):
            points = [(row["N"], row[route].seconds) for row in rows]
            exponent = fit_exponent(points)
            used = sum(1 for _, t in points if t is not None and t >= FIT_FLOOR_S)
            body.append([family, route, "—" if exponent is None else f"{exponent:.2f}", used])
    return markdown_table(["sweep", "route", "fitted p in t ∝ N^p", "points used (t ≥ 2 ms)"], body)


def solve_once_in_subprocess(problem: tuple[str, str, str], timeout_s: float) -> Timing:
    """One cold symc solve in a fresh process, so a runaway size is killed instead of hanging the run."""
    command = [sys.executable, str(Path(__file__).resolve()), "--single", *problem]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return Timing(skipped=f"> {timeout_s:.0f} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return Timing(skipped=f"failed: {tail[0][:120]}")
    result = json.loads(lines[-1])
    return Timing(result["seconds"], result["dim"], result["route"])


def largest_under_limit(max_order: int) -> list[list[object]]:
    """For each growth family, raise k until a solve takes ≥ GROWTH_LIMIT_S; report the last one under it."""
    body = []
    for family, make in GROWTH_FAMILIES.items():
        best = None
        for k in range(1, max_order + 1):
            problem = make(k)
            timing = solve_once_in_subprocess(problem, timeout_s=3 * GROWTH_LIMIT_S)
            print(f"growth {problem_label(problem):28s} N={unknowns(problem):>8d}  {timing.cell()} "
                  f"(dim {timing.dim}, {timing.route})", flush=True)
            if timing.seconds is None or timing.seconds >= GROWTH_LIMIT_S:
                break
            best = (problem, timing)
        if best is None:
            body.append([family, "—", "—", "—", "—", "—"])
            continue
        problem, timing = best
        body.append([family, problem_label(problem), unknowns(problem), timing.dim, timing.route,
                     seconds(timing.seconds)])
    return body


def single(problem: tuple[str, str, str]) -> None:
    """``--single``: one solve with the cache off, printed as JSON for :func:`solve_once_in_subprocess`."""
    timing = time_symc(problem, repeats=1)
    print(json.dumps({"seconds": timing.seconds, "dim": timing.dim, "route": timing.route,
                      "skipped": timing.skipped}))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="headline problems only, one repeat, no growth search")
    parser.add_argument("--repeats", type=int, default=3, help="repeats per route (median reported)")
    parser.add_argument("--dense-max-n", type=int, default=1296, help="skip the dense SVD above this N")
    parser.add_argument("--emlp-max-n", type=int, default=1296, help="run EMLP on sweep problems up to this N")
    parser.add_argument("--emlp-timeout", type=float, default=240.0, help="seconds per EMLP problem")
    parser.add_argument("--emlp-python", help="interpreter that can import emlp (default: benchmarks/.venv-emlp)")
    parser.add_argument("--no-emlp", action="store_true", help="do not run the EMLP peer")
    parser.add_argument("--growth-max-k", type=int, default=9, help="largest k tried in the growth search")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    parser.add_argument("--single", nargs=3, metavar=("GROUP", "REP_IN", "REP_OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.single:
        single(tuple(args.single))
        return
    # The disk cache must not serve a solve: point it at an empty directory for this run as well.
    os.environ["SYMC_CACHE_DIR"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"symc-bench-{os.getpid()}")
    python = None if args.no_emlp else emlp_python(args.emlp_python)
    print(f"EMLP peer interpreter: {python or 'none'}", flush=True)

    headline = compare(HEADLINE, args, python, with_emlp=lambda _: True)
    sections = [f"Measured on {environment_line()}; medians of {args.repeats} repeat(s); symc's disk cache off.",
                "", "### Headline problems", "", comparison_table(headline)]
    if not args.quick:
        sweeps = {
            "SO(3) T(k)→T(k), k=1..3": compare(SO3_SWEEP, args, python, lambda p: unknowns(p) <= args.emlp_max_n),
            "S(n) T(2)→T(2), n=4..12": compare(SN_SWEEP, args, python, lambda p: unknowns(p) <= args.emlp_max_n),
        }
        for family, rows in sweeps.items():
            sections += ["", f"### Sweep: {family}", "", comparison_table(rows)]
        sections += ["", "### Growth with N = dim_in·dim_out", "", growth_fits(sweeps)]
        growth = largest_under_limit(args.growth_max_k)
        sections += ["", f"### Largest problem symc solves in under {GROWTH_LIMIT_S:.0f} s (cold, one process)", "",
                     markdown_table(["family", "largest under the limit", "N", "dim", "route", "time"], growth)]
    text = "\n".join(sections)
    print()
    print(text)
    if not args.no_readme:
        write_section("bench_solver", text)


if __name__ == "__main__":
    main()

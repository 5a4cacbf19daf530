"""Cache hit: ``symc.build`` of every example spec with a cold (empty) vs a warm solver cache.

    python benchmarks/bench_cache.py            # every model in specs/*.sym, 3 warm repeats
    python benchmarks/bench_cache.py --quick    # one warm repeat

Each build runs in a fresh Python process (in-memory caches do not count) with ``SYMC_CACHE_DIR``
pointing at a directory private to that spec. The child times ``import torch`` and then
``import symc`` + ``symc.build(...)``; the reported build time is the latter, i.e. the time beyond
importing torch. The cold build starts from an empty directory; warm builds reuse what it stored.
A warm build must not re-solve: the cache files' modification times must not change.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from report import environment_line, markdown_table, ratio, seconds, write_section

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"
WARM_BUDGET_S = 0.100

# Runs in the child process; the spec path and model name arrive as argv, never as code.
CHILD = """
import json, sys, time
start = time.perf_counter()
import torch
torch_done = time.perf_counter()
import symc
model = symc.build(sys.argv[1], model=sys.argv[2] or None)
built = time.perf_counter()
print(json.dumps({"torch_import": torch_done - start, "build": built - torch_done}))
"""


@dataclass
class BuildTiming:
    torch_import: float
    build: float


def spec_models(spec_dir: Path) -> list[tuple[Path, str]]:
    """Every (file, model name) in ``spec_dir/*.sym``; files that do not load are skipped with a message."""
    import symc.api

    models = []
    for path in sorted(spec_dir.glob("*.sym")):
        try:
            program = symc.api.load_program(path)
        except Exception as exc:  # a broken spec is reported, the others still run
            print(f"skipping {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        models += [(path, model.name) for model in program.models]
    return models


def build_in_fresh_process(path: Path, model: str, cache_dir: Path, timeout_s: float) -> BuildTiming:
    env = {**_clean_environment(), "SYMC_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), model],
        capture_output=True, text=True, env=env, timeout=timeout_s, check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output")
    result = json.loads(lines[-1])
    return BuildTiming(result["torch_import"], result["build"])


def _clean_environment() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if key != "SYMC_CACHE_DIR"}


def cache_snapshot(cache_dir: Path) -> dict[str, int]:
    """File name -> modification time (ns); a re-solve rewrites (replaces) its file."""
    return {p.name: p.stat().st_mtime_ns for p in cache_dir.rglob("*") if p.is_file()}


def measure(path: Path, model: str, warm_repeats: int, timeout_s: float) -> list[object]:
    with tempfile.TemporaryDirectory(prefix="symc-cache-bench-") as tmp:
        cache_dir = Path(tmp)
        cold = build_in_fresh_process(path, model, cache_dir, timeout_s)
        after_cold = cache_snapshot(cache_dir)
        warm_runs = [build_in_fresh_process(path, model, cache_dir, timeout_s) for _ in range(warm_repeats)]
        after_warm = cache_snapshot(cache_dir)
    warm = statistics.median(run.build for run in warm_runs)
    torch_import = statistics.median(run.torch_import for run in [cold, *warm_runs])
    rewritten = sum(1 for name, mtime in after_warm.items() if after_cold.get(name) != mtime)
    if rewritten:
        verdict = "**re-solved**"
    else:
        verdict = "ok" if warm < WARM_BUDGET_S else "**over budget**"
    return [f"{path.name}:{model}", len(after_cold), seconds(cold.build), seconds(warm),
            ratio(cold.build, warm), rewritten, seconds(torch_import), verdict]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one warm repeat per spec")
    parser.add_argument("--warm-repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per build process")
    parser.add_argument("--specs", type=Path, default=SPECS, help="directory of .sym files")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.warm_repeats = 1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rows = []
    for path, model in spec_models(args.specs):
        try:
            row = measure(path, model, args.warm_repeats, args.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            row = [f"{path.name}:{model}", "—", f"failed: {exc}"[:160], "—", "—", "—", "—", "skipped"]
        print(" | ".join(str(cell) for cell in row), flush=True)
        rows.append(row)
    headers = ["spec:model", "cache files", "cold build", "warm build", "cold ÷ warm", "files rewritten when warm",
               "import torch", f"warm < {WARM_BUDGET_S * 1e3:.0f} ms, no re-solve"]
    text = "\n".join([
        f"Measured on {environment_line()}. Build = `import symc` + `symc.build(path)` in a fresh process after "
        f"`import torch` (its time shown separately); warm = median of {args.warm_repeats} fresh processes.",
        "",
        markdown_table(headers, rows),
    ])
    print()
    print(text)
    if not args.no_readme:
        write_section("bench_cache", text)


if __name__ == "__main__":
    main()

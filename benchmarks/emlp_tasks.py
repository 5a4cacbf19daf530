"""EMLP's synthetic table reproduced: compiled symc spec models vs plain MLPs, test MSE at 1k and 3k samples.

    python benchmarks/emlp_tasks.py                 # a quarter of EMLP's steps: ~10 min on 2 cores
    python benchmarks/emlp_tasks.py --full          # EMLP's 600 steps per run (the README's table)
    python benchmarks/emlp_tasks.py --full --trials 3 --emlp-mlp   # EMLP's 3 trials, plus its 3x384 MLP
    python benchmarks/emlp_tasks.py --quick         # a tenth of the steps: a smoke run, not a result

Protocol (EMLP's ``experiments/data_efficiency_jax.py``): data from ``emlp_data`` (EMLP's formulas and
sampling), 1000 validation and 5000 test samples; Adam, lr 3e-3 with a per-epoch cosine schedule, batch
500, 10·30000/N epochs (300 at 1k, 100 at 3k: 600 steps); the checkpoint with the best validation MSE is
tested; EMLP's ``Standardize`` normalisation (see ``emlp_data``); MSE on raw targets. Models: the compiled
``specs/*.sym`` model, an MLP (3 hidden swish layers, EMLP's baseline shape) with about the same parameter
count, and with ``--emlp-mlp`` EMLP's own baseline width of 384.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from emlp_data import RegressionData, Standardization, generate, standardization
from report import environment_line, markdown_table, seconds, write_section
from torch import Tensor, nn

REPO = Path(__file__).resolve().parent.parent
VALIDATION_SIZE = 1000
TEST_SIZE = 5000
BATCH_SIZE = 500
LEARNING_RATE = 3e-3
EMLP_MLP_WIDTH = 384
HIDDEN_LAYERS = 3


def o5_fields(x: Tensor) -> dict[str, Tensor]:
    return {"x1": x[:, :5], "x2": x[:, 5:]}


def inertia_fields(x: Tensor) -> dict[str, Tensor]:
    masses = x.shape[1] // 4
    return {"m": x[:, :masses, None], "x": x[:, masses:].reshape(x.shape[0], masses, 3)}


def scattering_fields(x: Tensor) -> dict[str, Tensor]:
    # EMLP's p1, p2, p3, p4 fill the spec's four T(1) inputs in order; the target is invariant either way.
    return {name: x[:, 4 * i : 4 * i + 4] for i, name in enumerate(("q1", "q2", "p1", "p2"))}


@dataclass(frozen=True)
class Task:
    """One row of EMLP's table: data, the spec that models it, and EMLP's published test MSE at 1k / 3k."""

    name: str
    title: str
    spec: str
    to_fields: Callable[[Tensor], dict[str, Tensor]]
    output: str
    published_emlp: tuple[float, float]
    published_mlp: tuple[float, float]


TASKS = (
    Task("o5_invariant", "O(5)-invariant synthetic", "o5_invariant.sym", o5_fields, "y",
         (0.017, 0.031), (0.089, 0.062)),
    Task("inertia", "Inertia, O(3)", "inertia.sym", inertia_fields, "I", (0.136, 0.028), (3.24, 0.84)),
    Task("particle_scattering", "Particle scattering, O(1,3)", "lorentz_scattering.sym", scattering_fields,
         "amplitude", (3.3e-4, 2.7e-4), (0.364, 0.050)),
)
TRAIN_SIZES = (1000, 3000)


class SpecNetwork(nn.Module):
    """Adapts a compiled symc model (dicts of named fields) to EMLP's flat ``(batch, d_in) -> (batch, d_out)``."""

    def __init__(self, model: nn.Module, to_fields: Callable[[Tensor], dict[str, Tensor]], output: str) -> None:
        super().__init__()
        self.model = model
        self.to_fields = to_fields
        self.output = output

    def forward(self, x: Tensor) -> Tensor:
        y = self.model(self.to_fields(x))[self.output]
        return y.reshape(y.shape[0], -1)


class Standardized(nn.Module):
    """EMLP's ``Standardize``: ``y_std * net(x / x_scale) + y_mean``; per-vector scales keep equivariance."""

    def __init__(self, network: nn.Module, stats: Standardization, dtype: torch.dtype) -> None:
        super().__init__()
        self.network = network
        self.register_buffer("x_scale", torch.as_tensor(stats.x_scale, dtype=dtype))
        self.register_buffer("y_mean", torch.as_tensor(stats.y_mean, dtype=dtype))
        self.register_buffer("y_std", torch.as_tensor(stats.y_std, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        return self.y_std * self.network(x / self.x_scale) + self.y_mean


def mlp(d_in: int, d_out: int, width: int) -> nn.Sequential:
    """EMLP's baseline shape: HIDDEN_LAYERS × (Linear, swish), then a Linear readout."""
    sizes = [d_in] + [width] * HIDDEN_LAYERS
    layers: list[nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.SiLU()]
    return nn.Sequential(*layers, nn.Linear(width, d_out))


def matched_width(d_in: int, d_out: int, parameters: int) -> int:
    """Width w whose MLP has about ``parameters`` weights: solves (L-1) w² + (d_in + L + d_out) w + d_out = P."""
    a, b, c = HIDDEN_LAYERS - 1, d_in + HIDDEN_LAYERS + d_out, d_out - parameters
    return max(4, round((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)))


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def mean_squared_error(model: nn.Module, x: Tensor, y: Tensor) -> float:
    model.eval()
    with torch.no_grad():
        batches = zip(x.split(BATCH_SIZE), y.split(BATCH_SIZE), strict=True)
        errors = [((model(xb) - yb) ** 2).sum() for xb, yb in batches]
    return float(sum(errors) / y.numel())


def train(model: nn.Module, train_set: tuple[Tensor, Tensor], val_set: tuple[Tensor, Tensor], epochs: int,
          evaluations: int, seed: int) -> nn.Module:
    """Adam with EMLP's per-epoch cosine learning rate; returns the checkpoint with the best validation MSE.

    Validation runs ``evaluations`` times, evenly spread (EMLP's trainer logs a fixed number of times too).
    """
    x, y = train_set
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)

    def cosine(epoch: int) -> float:
        return 0.5 * (1 + math.cos(math.pi * epoch / epochs))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine)
    generator = torch.Generator().manual_seed(seed)
    eval_every = max(1, epochs // evaluations)
    best_error, best_state = math.inf, copy.deepcopy(model.state_dict())
    for epoch in range(epochs):
        model.train()
        for index in torch.randperm(x.shape[0], generator=generator).split(BATCH_SIZE):
            optimizer.zero_grad()
            loss = ((model(x[index]) - y[index]) ** 2).mean()
            loss.backward()
            optimizer.step()
        schedule.step()
        if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
            error = mean_squared_error(model, *val_set)
            if error < best_error:
                best_error, best_state = error, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model


@dataclass
class Run:
    """Test MSE of one model kind at one training size, over trials."""

    errors: list[float]
    parameters: int
    seconds: float

    def cell(self) -> str:
        if not self.errors:
            return "—"
        mean = statistics.fmean(self.errors)
        spread = f" ± {statistics.stdev(self.errors):.2g}" if len(self.errors) > 1 else ""
        return f"{mean:.3g}{spread}"


def split(data: RegressionData, train_size: int, dtype: torch.dtype) -> dict[str, tuple[Tensor, Tensor]]:
    bounds = {"train": (0, train_size), "val": (train_size, train_size + VALIDATION_SIZE),
              "test": (train_size + VALIDATION_SIZE, train_size + VALIDATION_SIZE + TEST_SIZE)}
    return {name: (torch.as_tensor(data.x[a:b], dtype=dtype), torch.as_tensor(data.y[a:b], dtype=dtype))
            for name, (a, b) in bounds.items()}


def model_builders(task: Task, d_in: int, d_out: int, mlp_widths: dict[str, int]) -> dict[str, Callable[[], nn.Module]]:
    import symc

    spec_path = REPO / "specs" / task.spec
    builders: dict[str, Callable[[], nn.Module]] = {
        "symc": lambda: SpecNetwork(symc.build(spec_path), task.to_fields, task.output),
    }
    for label, width in mlp_widths.items():
        builders[label] = lambda width=width: mlp(d_in, d_out, width)
    return builders


def run_task(task: Task, args: argparse.Namespace) -> dict[tuple[str, int], Run]:
    """Train every model kind at every training size; a model that cannot be built is reported and skipped."""
    dtype = torch.float32
    probe = generate(task.name, 1, seed=args.seed)
    d_in, d_out = probe.x.shape[1], probe.y.shape[1]
    try:
        symc_params = parameter_count(model_builders(task, d_in, d_out, {})["symc"]())
    except Exception as exc:  # a missing pipeline stage skips the symc row only
        print(f"{task.name}: symc model unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
        symc_params = None
    widths = {"MLP (EMLP's 3×384)": EMLP_MLP_WIDTH} if args.emlp_mlp else {}
    if symc_params is not None:
        widths = {"MLP (≈ symc params)": matched_width(d_in, d_out, symc_params), **widths}
    builders = model_builders(task, d_in, d_out, widths)
    if symc_params is None:
        del builders["symc"]
    results: dict[tuple[str, int], Run] = {}
    for train_size in TRAIN_SIZES:
        # Fresh data per trial (EMLP re-samples with each trial's seed); train/val/test never overlap.
        for label, build in builders.items():
            run = Run([], 0, 0.0)
            for trial in range(args.trials):
                data = generate(task.name, train_size + VALIDATION_SIZE + TEST_SIZE, seed=args.seed + 1000 * trial)
                sets = split(data, train_size, dtype)
                stats = standardization(data.subset(slice(0, train_size)))
                torch.manual_seed(args.seed + trial)
                model = Standardized(build(), stats, dtype)
                start = time.perf_counter()
                epochs = max(1, round(10 * 30000 / train_size * args.epoch_fraction))
                train(model, sets["train"], sets["val"], epochs, args.evaluations, seed=args.seed + trial)
                run.seconds += time.perf_counter() - start
                run.errors.append(mean_squared_error(model, *sets["test"]))
                run.parameters = parameter_count(model)
            results[(label, train_size)] = run
            print(f"{task.name:20s} N={train_size:5d} {label:20s} params {run.parameters:7d}  "
                  f"test MSE {run.cell():>16s}  ({seconds(run.seconds)})", flush=True)
    return results


def table(all_results: dict[str, dict[tuple[str, int], Run]]) -> str:
    headers = ["task", "model", "params", "test MSE @1k", "test MSE @3k", "train time (1k + 3k)"]
    rows = []
    for task in (t for t in TASKS if t.name in all_results):
        results = all_results[task.name]
        labels = list(dict.fromkeys(label for label, _ in results))
        for label in labels:
            runs = [results.get((label, size)) for size in TRAIN_SIZES]
            rows.append([task.title, f"{label} (measured)", runs[0].parameters, runs[0].cell(), runs[1].cell(),
                         seconds(sum(r.seconds for r in runs))])
        for label, (at_1k, at_3k) in (("EMLP", task.published_emlp), ("MLP", task.published_mlp)):
            rows.append([task.title, f"{label} (published)", "—", f"{at_1k:.3g}", f"{at_3k:.3g}", "—"])
    return markdown_table(headers, rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1, help="trials per setting (EMLP: 3); mean ± std reported")
    parser.add_argument("--epoch-fraction", type=float, default=0.25, help="fraction of EMLP's epoch count")
    parser.add_argument("--full", action="store_true", help="EMLP's full epoch count (600 steps per run)")
    parser.add_argument("--emlp-mlp", action="store_true", help="also train EMLP's 3x384 MLP baseline")
    parser.add_argument("--evaluations", type=int, default=20, help="validation checks per training run")
    parser.add_argument("--tasks", nargs="+", choices=[t.name for t in TASKS], default=[t.name for t in TASKS])
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs: a smoke run, not a result")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    args = parser.parse_args(argv)
    if args.full:
        args.epoch_fraction = 1.0
    if args.quick:
        args.epoch_fraction = 0.1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    steps = round(600 * args.epoch_fraction)
    header = (
        f"Measured on {environment_line()}; float32; {args.trials} trial(s) per cell (mean ± std when > 1); "
        f"≈{steps} Adam steps per run (EMLP: 600); {VALIDATION_SIZE} validation / {TEST_SIZE} test samples; "
        "test MSE on raw targets. Published figures: EMLP's `synthetic_results_all.csv` (mean of 3 trials)."
    )
    all_results = {}
    for task in (t for t in TASKS if t.name in args.tasks):
        all_results[task.name] = run_task(task, args)
        if not (args.no_readme or args.quick):
            # One README section per task, written as soon as the task is done: a partial run still lands.
            write_section(f"emlp_tasks {task.name}", header + "\n\n" + table({task.name: all_results[task.name]}),
                          script="benchmarks/emlp_tasks.py")
    print()
    print(header + "\n\n" + table(all_results))


if __name__ == "__main__":
    main()

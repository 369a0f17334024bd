"""The command line of the suite: ``python -m benchmarks [options]``.

Runs, in one process and with every thread pool pinned to the same size:

1. training: each configuration in each dtype, all contestants, gradients
   checked for agreement with the NumPy floor, then timed interleaved;
2. per-op: one tracked op on a one-element array;
3. chain: a deep chain of tracked ops;
4. memory: peak memory of a step, reference cycles, growth over many steps;
5. layers: a convolution's forward and backward, a transformer block's
   training step (scratchgrad, hand-written NumPy, PyTorch);

prints Markdown tables and writes everything to a JSON file. With
``--profile CONFIGS`` it instead profiles scratchgrad's training step.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import layers, memory, micro, report
from benchmarks.configs import CONFIGS, DTYPES, Problem, make_problem
from benchmarks.models import CONTESTANTS, Contestant, NumpyMLP
from benchmarks.timing import CLOCKS, interleaved, pinned_threads

__all__ = ["check_agreement", "main", "parse_args", "profile_step", "run"]

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
SECTIONS = ("training", "per-op", "chain", "memory", "layers")

# Largest relative error (to the largest reference magnitude, per array)
# accepted between a contestant and the NumPy floor: summation order differs
# between libraries, so float32 allows a few ulps of a 1000-term dot product.
TOLERANCES = {
    np.dtype(np.float64): {"loss": 1e-9, "grads": 1e-9, "weights": 1e-12},
    np.dtype(np.float32): {"loss": 1e-5, "grads": 1e-4, "weights": 1e-6},
}


def _csv(choices: Any) -> Any:
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad) or 'empty list'}; choose from {', '.join(choices)}"
            )
        return items

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (see ``python -m benchmarks --help``)."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time an MLP training step in scratchgrad, NumPy by hand, PyTorch and "
        "micrograd; per-op, deep-chain and memory measurements.",
    )
    p.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    p.add_argument("--configs", type=_csv(CONFIGS), default=list(CONFIGS))
    p.add_argument("--dtypes", type=_csv(DTYPES), default=list(DTYPES))
    p.add_argument(
        "--contestants",
        type=_csv(CONTESTANTS),
        default=list(CONTESTANTS),
        help="numpy (the floor) always runs",
    )
    p.add_argument("--sections", type=_csv(SECTIONS), default=list(SECTIONS))
    p.add_argument(
        "--layer-configs",
        type=_csv(layers.LAYER_CONFIGS),
        default=list(layers.DEFAULT_LAYER_CONFIGS),
        help="the layers section's problems",
    )
    p.add_argument("--threads", type=int, default=1, help="threads for BLAS, OpenMP, PyTorch")
    p.add_argument(
        "--clock",
        choices=list(CLOCKS),
        default="wall",
        help="wall: elapsed time; cpu: process CPU time, steadier on a busy machine",
    )
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"default {DEFAULT_JSON}")
    p.add_argument("--budget", type=float, help="seconds of timing per config and dtype")
    p.add_argument("--min-rounds", type=int, help="least rounds per config and dtype")
    p.add_argument("--settle-ms", type=float, help="pause before each timed block")
    p.add_argument("--scalar-samples", type=int, help="timed steps of micrograd")
    p.add_argument("--op-samples", type=int, help="samples per op in the per-op section")
    p.add_argument("--chain-ops", type=int, help="length of the deep chain")
    p.add_argument("--chain-repeats", type=int)
    p.add_argument("--flat-steps", type=int, help="steps of the memory-growth check")
    p.add_argument(
        "--profile",
        type=_csv(CONFIGS),
        help="profile scratchgrad's step on these configs (in their own dtype) and exit",
    )
    p.add_argument("--profile-contestant", choices=list(CONTESTANTS), default="scratchgrad")
    p.add_argument("--profile-seconds", type=float, default=3.0)
    p.add_argument("--profile-top", type=int, default=15)
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error(f"--threads must be at least 1, got {args.threads}")
    quick = args.quick
    defaults = {
        "budget": 0.6 if quick else 8.0,
        "min_rounds": 3 if quick else 15,
        # OpenBLAS workers spin about 0.1 s after a call before sleeping.
        "settle_ms": 2.0 if args.threads == 1 else 150.0,
        "scalar_samples": 2 if quick else 5,
        "op_samples": 3 if quick else 7,
        "chain_ops": 10_000 if quick else 100_000,
        "chain_repeats": 1 if quick else 3,
        "flat_steps": 100 if quick else 1000,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.flat_steps < 2:
        p.error(f"--flat-steps must be at least 2, got {args.flat_steps}")
    if "numpy" not in args.contestants:
        args.contestants.insert(0, "numpy")
    return args


def _rel_err(a: np.ndarray, ref: np.ndarray) -> float:
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    return float(np.max(np.abs(a - ref))) / (scale if scale > 0 else 1.0) if ref.size else 0.0


def check_agreement(
    contestants: dict[str, Contestant], reference: NumpyMLP
) -> dict[str, dict[str, Any]]:
    """Compare loss, gradients and the weights after one step with the NumPy floor.

    All contestants must sit at the same weights as ``reference`` (fresh).
    Each then takes one step, so they still share their weights afterwards.
    """
    tol = TOLERANCES[reference.problem.dtype]
    ref_loss, ref_grads = reference.gradients()
    reference.step()
    ref_weights = reference.weights()
    out = {}
    for name, c in contestants.items():
        if c is reference:
            out[name] = {"loss": 0.0, "grads": 0.0, "weights": 0.0}
        else:
            loss, grads = c.gradients()
            c.step()
            out[name] = {
                "loss": abs(loss - ref_loss) / max(abs(ref_loss), 1e-300),
                "grads": max(_rel_err(g, r) for g, r in zip(grads, ref_grads)),
                "weights": max(_rel_err(w, r) for w, r in zip(c.weights(), ref_weights)),
            }
        out[name]["ok"] = all(out[name][k] <= tol[k] for k in ("loss", "grads", "weights"))
        out[name]["tolerance"] = tol
    return out


def _build(problem: Problem, names: list[str]) -> tuple[dict[str, Contestant], dict[str, str]]:
    contestants: dict[str, Contestant] = {}
    skipped: dict[str, str] = {}
    for name in names:
        cls = CONTESTANTS[name]
        reason = cls.unavailable(problem)
        if reason is None:
            contestants[name] = cls(problem)
        else:
            skipped[name] = reason
    return contestants, skipped


def _combos(args: argparse.Namespace) -> list[tuple[str, np.dtype]]:
    """Each selected config in its own dtype first, then the others."""
    out = []
    for name in args.configs:
        own = CONFIGS[name].dtype
        dts = sorted((DTYPES[d] for d in args.dtypes), key=lambda d: d != own)
        out += [(name, dt) for dt in dts]
    return out


def run_training(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for name, dtype in _combos(args):
        cfg = CONFIGS[name]
        problem = make_problem(cfg, dtype)
        contestants, skipped = _build(problem, args.contestants)
        agreement = check_agreement(contestants, contestants["numpy"])  # type: ignore[arg-type]
        timings = interleaved(
            {n: c.step for n, c in contestants.items()},
            budget_s=args.budget,
            min_rounds=args.min_rounds,
            settle_s=args.settle_ms / 1e3,
            max_samples={"micrograd": args.scalar_samples},
            clock=CLOCKS[args.clock],
        )
        floor = timings["numpy"].median
        entry: dict[str, Any] = {
            "config": name,
            "description": cfg.describe(),
            "batch": cfg.batch,
            "sizes": list(cfg.sizes),
            "loss": cfg.loss,
            "dtype": dtype.name,
            "target_dtype": cfg.dtype.name,
            "contestants": {},
            "skipped": skipped,
        }
        for n, t in timings.items():
            entry["contestants"][n] = {
                **t.as_dict(),
                "ratio": t.median / floor,
                "agreement": agreement[n],
            }
        results.append(entry)
        print(
            f"  {cfg.describe()} {dtype.name}: "
            + ", ".join(f"{n} {t.median * 1e3:.3f} ms" for n, t in timings.items()),
            file=sys.stderr,
        )
    return results


def run_memory(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    names = [n for n in report.MEMORY_CONTESTANTS if n in args.contestants]
    cycle_names = [
        n for n in ("numpy", "scratchgrad", "scratchgrad-tensor", "torch") if n in args.contestants
    ]
    flat_done: set[str] = set()
    for name, dtype in _combos(args):
        cfg = CONFIGS[name]
        problem = make_problem(cfg, dtype)
        row: dict[str, Any] = {"config": name, "dtype": dtype.name, "peak": {}, "graph_freed": {}}
        for n in names:
            row["peak"][n] = memory.step_peak(CONTESTANTS[n], problem)
        for n in names:
            row["peak"][n]["ratio"] = (
                row["peak"][n]["peak_bytes"] / row["peak"]["numpy"]["peak_bytes"]
            )
            row["peak"][n]["data_ratio"] = (
                row["peak"][n]["data_peak_bytes"] / row["peak"]["numpy"]["data_peak_bytes"]
            )
            row["peak"][n]["transient_ratio"] = row["peak"][n]["transient_bytes"] / max(
                1, row["peak"]["numpy"]["transient_bytes"]
            )
        for n in cycle_names:
            if CONTESTANTS[n].unavailable(problem) is None:
                row["graph_freed"][n] = memory.graph_freed(CONTESTANTS[n], problem)
        # Growth over many steps: once per config, in the first dtype run (its own
        # when selected: see _combos).
        if "scratchgrad" in args.contestants and name not in flat_done:
            flat_done.add(name)
            probe = max(1, args.flat_steps // 10)
            row["flat"] = memory.flat(
                CONTESTANTS["scratchgrad"], problem, steps=args.flat_steps, probe=probe
            )
        rows.append(row)
        print(f"  memory {name} {dtype.name} done", file=sys.stderr)
    return rows


def run_layers(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Time the layer benchmarks in each dtype; gradients are checked first."""
    rows = []
    names = [n for n in ("scratchgrad", "torch") if n in args.contestants]
    for cfg in (layers.LAYER_CONFIGS[name] for name in args.layer_configs):
        for dname in args.dtypes:
            dtype = DTYPES[dname]
            entrants = layers.contestants(cfg, dtype, names)
            ref = entrants["numpy"].gradients()
            tol = TOLERANCES[dtype]["grads"]
            agreement = {}
            for n, c in entrants.items():
                err = max(_rel_err(np.asarray(g), r) for g, r in zip(c.gradients(), ref))
                agreement[n] = {"grads": err, "ok": err <= tol, "tolerance": tol}
            timings = interleaved(
                {n: c.step for n, c in entrants.items()},
                budget_s=args.budget,
                min_rounds=args.min_rounds,
                settle_s=args.settle_ms / 1e3,
                clock=CLOCKS[args.clock],
            )
            floor = timings["numpy"].median
            entry: dict[str, Any] = {
                "config": cfg.name,
                "description": cfg.describe(),
                "dtype": dtype.name,
                "contestants": {
                    n: {**t.as_dict(), "ratio": t.median / floor, "agreement": agreement[n]}
                    for n, t in timings.items()
                },
            }
            rows.append(entry)
            print(
                f"  {cfg.describe()} {dtype.name}: "
                + ", ".join(f"{n} {t.median * 1e3:.3f} ms" for n, t in timings.items()),
                file=sys.stderr,
            )
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the selected sections; return the results (what the JSON file holds)."""
    results: dict[str, Any] = {}
    use_torch = "torch" in args.contestants
    with pinned_threads(args.threads, use_torch) as notes:
        results["machine"] = report.machine(args.threads)
        results["machine"]["notes"] = notes
        results["machine"]["python_loop_ns"] = {"start": report.python_speed()}
        results["settings"] = {
            k: v for k, v in vars(args).items() if not k.startswith("profile") and k != "json"
        }
        started = time.perf_counter()
        if "training" in args.sections:
            results["training"] = run_training(args)
        if "per-op" in args.sections:
            results["per_op"] = micro.per_op(
                samples=args.op_samples, use_torch=use_torch, clock=CLOCKS[args.clock]
            )
        if "chain" in args.sections:
            results["deep_chain"] = micro.deep_chain(
                args.chain_ops, args.chain_repeats, use_torch=use_torch, clock=CLOCKS[args.clock]
            )
        if "memory" in args.sections:
            results["memory"] = run_memory(args)
        if "layers" in args.sections:
            results["layers"] = run_layers(args)
        results["elapsed_s"] = time.perf_counter() - started
        results["machine"]["python_loop_ns"]["end"] = report.python_speed()
        if hasattr(os, "getloadavg"):
            results["machine"]["load_average_end"] = list(os.getloadavg())
    return results


def print_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    m = results["machine"]
    kernels = ", ".join(
        f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
        f"{b.get('num_threads')} threads)"
        for b in m["blas"]
    )
    print(
        f"\n{m['cpu']}, {m['cpu_count']} CPUs; Python {m['python']}, NumPy {m['numpy']}, "
        f"PyTorch {m['torch']}; {m['threads']} thread(s); BLAS: {kernels or 'unknown'}"
    )
    loop = m["python_loop_ns"]
    print(
        f"load average at start: {m['load_average']}; clock: {args.clock}; a plain Python "
        f"loop iteration took {loop['start']:.0f} ns at start, {loop['end']:.0f} ns at end"
    )
    if "training" in results:
        training = results["training"]
        names = [n for n in args.contestants if any(n in r["contestants"] for r in training)]
        print("\n## Training step: median ms (ratio to hand-written NumPy)\n")
        print(report.training_table(training, names))
        print("\n## Training step: fastest block, ms (ratio); less disturbed by a busy machine\n")
        print(report.training_table(training, names, stat="min"))
        skipped = {(n, why) for r in results["training"] for n, why in r["skipped"].items()}
        for n, why in sorted(skipped):
            print(f"- {n} skipped where: {why}")
    if "per_op" in results:
        print("\n## One tracked op on a one-element array (us per call)\n")
        print(report.per_op_table(results["per_op"]))
    if "deep_chain" in results:
        c = results["deep_chain"]
        print(f"\n## A chain of {c['n_ops']:,} tracked ops\n")
        print(report.chain_table(c))
    if "memory" in results:
        print("\n## Memory of a training step (tracemalloc)\n")
        print(report.memory_table(results["memory"]))
    if "layers" in results:
        names = [n for n in ("numpy", "scratchgrad", "torch") if n in args.contestants]
        print("\n## Layers: median ms (ratio to hand-written NumPy; scratchgrad / PyTorch)\n")
        print(report.layers_table(results["layers"], names))
    print(f"\n{results['elapsed_s']:.0f} s in all")


def profile_step(
    config: str, contestant: str = "scratchgrad", seconds: float = 3.0, top: int = 15
) -> str:
    """cProfile of ``contestant``'s training step on ``config`` (its own dtype),
    sorted by tottime; returns the printed statistics."""
    problem = make_problem(CONFIGS[config])
    c = CONTESTANTS[contestant](problem)
    c.step()
    t0 = time.perf_counter()
    c.step()
    steps = max(5, int(seconds / max(time.perf_counter() - t0, 1e-6)))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        c.step()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    buf.write(f"{contestant} on {CONFIGS[config].describe()}: {steps} steps\n")
    stats.print_stats(top)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 1 when some contestant's gradients or the chain's are wrong."""
    args = parse_args(argv)
    if args.profile:
        with pinned_threads(args.threads, args.profile_contestant == "torch"):
            for name in args.profile:
                print(
                    profile_step(
                        name, args.profile_contestant, args.profile_seconds, args.profile_top
                    )
                )
        return 0
    results = run(args)
    print_report(results, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(f"results written to {args.json}")
    bad = [
        f"{r['config']} {r['dtype']} {n}"
        for r in results.get("training", [])
        for n, c in r["contestants"].items()
        if not c["agreement"]["ok"]
    ]
    bad += [
        f"{r['config']} {r['dtype']} {n}"
        for r in results.get("layers", [])
        for n, c in r["contestants"].items()
        if not c["agreement"]["ok"]
    ]
    chain = results.get("deep_chain", {})
    bad += [
        f"chain {k}" for k in ("scratchgrad", "torch") if k in chain and not chain[k]["grad_ok"]
    ]
    if bad:
        print("gradients disagree: " + "; ".join(bad), file=sys.stderr)
        return 1
    return 0

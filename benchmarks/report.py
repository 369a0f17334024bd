"""The machine's description and the Markdown tables printed by the suite."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import THREAD_ENV_VARS
from benchmarks.timing import thread_info

__all__ = [
    "chain_table",
    "machine",
    "memory_table",
    "per_op_table",
    "python_speed",
    "training_table",
]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def python_speed(n: int = 200_000) -> float:
    """Nanoseconds per iteration of a plain Python loop, best of 3: a yardstick
    of how fast (or how busy) the machine was, recorded at start and end."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        s = 0
        for i in range(n):
            s += i
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def machine(n_threads: int) -> dict[str, Any]:
    """What the numbers were measured on: CPU, load, versions, BLAS and its kernel."""
    env_names = (*THREAD_ENV_VARS, "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "benchmarks", *sys.argv[1:]]),
        "git_commit": _git_commit(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": _version("torch"),
        "micrograd": _version("micrograd"),
        "threadpoolctl": _version("threadpoolctl"),
        "threads": n_threads,
        "env": {k: os.environ.get(k) for k in env_names},
        "blas": thread_info(),
    }


def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join(
        [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    )


def training_table(results: list[dict[str, Any]], names: list[str], stat: str = "median") -> str:
    """ms per training step (``stat``: ``median`` or ``min`` over blocks), and
    the ratio to the NumPy floor's same statistic."""
    header = ["config (batch, sizes, loss)", "dtype"] + [f"{n} ms (ratio)" for n in names]
    rows = []
    for r in results:
        cells = [r["description"], r["dtype"]]
        floor = r["contestants"]["numpy"][f"{stat}_ms"]
        for n in names:
            c = r["contestants"].get(n)
            if c is None:
                cells.append("-")
                continue
            mark = "" if c["agreement"]["ok"] else " GRADS DIFFER"
            ms = c[f"{stat}_ms"]
            if n == "numpy":
                cells.append(_ms(ms) + mark)
            else:
                cells.append(f"{_ms(ms)} ({ms / floor:.2f}x){mark}")
        rows.append(cells)
    return _table(header, rows)


def layers_table(results: list[dict[str, Any]], names: list[str]) -> str:
    """ms per layer step, the ratio to hand-written NumPy, and scratchgrad over PyTorch."""
    header = ["layer", "dtype"] + [f"{n} ms (ratio)" for n in names] + ["scratchgrad / torch"]
    rows = []
    for r in results:
        cs = r["contestants"]
        cells = [r["description"], r["dtype"]]
        for n in names:
            c = cs.get(n)
            if c is None:
                cells.append("-")
                continue
            mark = "" if c["agreement"]["ok"] else " GRADS DIFFER"
            ratio = "" if n == "numpy" else f" ({c['ratio']:.2f}x)"
            cells.append(f"{_ms(c['median_ms'])}{ratio}{mark}")
        if "scratchgrad" in cs and "torch" in cs:
            cells.append(f"{cs['scratchgrad']['median_ms'] / cs['torch']['median_ms']:.2f}x")
        else:
            cells.append("-")
        rows.append(cells)
    return _table(header, rows)


def per_op_table(rows: list[dict[str, Any]]) -> str:
    """One tracked op on a one-element array, in microseconds per call."""
    keys = [k for k in rows[0] if k.endswith("_us")]
    names = [
        k[:-3].replace("_forward_backward", " fwd+bwd").replace("_forward", " fwd") for k in keys
    ]
    body = [[r["op"]] + [f"{r[k]:.2f}" for k in keys] for r in rows]
    return _table(["op"] + [f"{n} us" for n in names], body)


def chain_table(chain: dict[str, Any]) -> str:
    """Forward, backward and free times of the deep chain."""
    header = ["library", "forward s", "backward s", "fwd+bwd s", "free s", "grad correct"]
    body = []
    for lib in ("scratchgrad", "scratchgrad_gc_disabled", "torch"):
        if lib in chain:
            c = chain[lib]
            body.append(
                [
                    lib.replace("_gc_disabled", " (gc disabled)"),
                    f"{c['forward_s']:.3f}",
                    f"{c['backward_s']:.3f}",
                    f"{c['forward_backward_s']:.3f}",
                    f"{c['free_s']:.3f}",
                    "yes" if c["grad_ok"] else f"NO ({c['grad']})",
                ]
            )
    return _table(header, body)


#: Contestants whose memory is traced (PyTorch's allocator is not).
MEMORY_CONTESTANTS = ("numpy", "scratchgrad", "scratchgrad-compiled", "scratchgrad-tensor")


def _kib(n: int) -> str:
    return f"{n / 1024:,.1f}" if abs(n) < 10 * 1024 * 1024 else f"{n / 1024:,.0f}"


def memory_table(rows: list[dict[str, Any]]) -> str:
    """Peak memory per step, without and with the resident Python objects (and
    ratios to NumPy), those objects, cycles found, growth over many steps."""
    names = [n for n in MEMORY_CONTESTANTS if n in rows[0]["peak"]]
    header = ["config", "dtype"]
    header += [f"{n} data peak KiB" + (" (ratio)" if n != "numpy" else "") for n in names]
    header += [f"{n} peak KiB" + (" (ratio)" if n != "numpy" else "") for n in names]
    header += [f"{n} resident Python KiB" for n in names]
    header += ["gc finds after a step", "traced growth over many steps"]
    body = []
    for r in rows:
        cells = [r["config"], r["dtype"]]
        for key, ratio_key in (("data_peak_bytes", "data_ratio"), ("peak_bytes", "ratio")):
            for n in names:
                p = r["peak"][n]
                ratio = f" ({p[ratio_key]:.2f}x)" if n != "numpy" else ""
                cells.append(_kib(p[key]) + ratio)
        for n in names:
            cells.append(_kib(r["peak"][n]["held_python_bytes"]))
        cells.append(", ".join(f"{k}: {v['gc_found']}" for k, v in r["graph_freed"].items()))
        f = r.get("flat")
        cells.append(
            "-"
            if f is None
            else f"{f['growth_bytes']:+,} B (step {f['probe_step']} to {f['steps']}), "
            f"{f['growth_second_half_bytes']:+,} B ({f['half_step']} to {f['steps']})"
        )
        body.append(cells)
    return _table(header, body)

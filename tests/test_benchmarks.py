"""Smoke tests of the benchmark suite: it runs on a tiny setting and reports
well-formed results. Speed is never asserted here."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest

from benchmarks import THREAD_ENV_VARS, layers, pin_thread_env, report
from benchmarks.configs import CONFIGS, DTYPES, Config, make_problem
from benchmarks.models import (
    MicrogradMLP,
    NumpyMLP,
    ScratchgradCompiled,
    ScratchgradNN,
    ScratchgradTensor,
    TorchMLP,
)
from benchmarks.run import check_agreement, main, parse_args, profile_step, run
from benchmarks.timing import CLOCKS, interleaved

# Small enough that every contestant, micrograd included, takes milliseconds.
MINI_MSE = Config("mini", 5, (3, 4, 2), "mse", DTYPES["f64"], scalar_engines=True)
MINI_CE = Config("mini-ce", 6, (5, 7, 4), "ce", DTYPES["f32"])

FAST = [
    "--configs", "tiny",
    "--contestants", "numpy,scratchgrad,scratchgrad-tensor",
    "--budget", "0",
    "--min-rounds", "2",
    "--settle-ms", "0",
    "--op-samples", "1",
    "--chain-ops", "200",
    "--chain-repeats", "1",
    "--flat-steps", "20",
    "--layer-configs", "conv-mini,block-mini",
]  # fmt: skip


@pytest.fixture(scope="module")
def results() -> dict:
    return run(parse_args(FAST))


def test_training_results_have_every_dtype_contestant_and_positive_ratios(results):
    training = results["training"]
    assert [(r["config"], r["dtype"]) for r in training] == [
        ("tiny", "float64"),
        ("tiny", "float32"),
    ]
    for r in training:
        assert set(r["contestants"]) == {"numpy", "scratchgrad", "scratchgrad-tensor"}
        assert r["contestants"]["numpy"]["ratio"] == 1.0
        for c in r["contestants"].values():
            assert c["median_ms"] > 0 and c["ratio"] > 0 and math.isfinite(c["ratio"])
            assert c["q1_ms"] <= c["median_ms"] <= c["q3_ms"]
            assert c["samples"] >= 2 and c["steps_per_block"] >= 1
            assert c["agreement"]["ok"], c["agreement"]


def test_per_op_chain_and_memory_sections(results):
    ops = {row["op"] for row in results["per_op"]}
    assert ops == {"add", "mul", "exp"}
    for row in results["per_op"]:
        assert row["numpy_us"] > 0 and row["scratchgrad_forward_backward_us"] > 0
        assert "torch_forward_us" not in row  # torch was not selected
    chain = results["deep_chain"]
    assert chain["n_ops"] == 200 and chain["scratchgrad"]["grad_ok"]
    assert chain["scratchgrad_gc_disabled"]["grad_ok"]
    assert chain["scratchgrad"]["grad"] == pytest.approx(1.0001**100)
    for row in results["memory"]:
        assert set(row["peak"]) == {"numpy", "scratchgrad", "scratchgrad-tensor"}
        for p in row["peak"].values():
            assert p["peak_bytes"] > 0 and p["ratio"] > 0
            assert p["peak_bytes"] == p["held_bytes"] + p["transient_bytes"]
            assert p["held_bytes"] == p["held_array_bytes"] + p["held_python_bytes"]
            assert p["data_peak_bytes"] == p["peak_bytes"] - p["held_python_bytes"]
            assert 0 < p["held_array_bytes"] and p["data_ratio"] > 0
        assert all(isinstance(v["gc_found"], int) for v in row["graph_freed"].values())
    flat = results["memory"][0]["flat"]
    assert flat["steps"] == 20 and flat["probe_step"] == 2 and flat["half_step"] == 11
    assert flat["growth_bytes"] == flat["bytes_at_end"] - flat["bytes_at_probe"]
    assert "flat" not in results["memory"][1]  # once per config


def test_machine_description_names_threads_and_versions(results):
    m = results["machine"]
    assert m["threads"] == 1 and m["numpy"] == np.__version__
    assert "OPENBLAS_CORETYPE" in m["env"]
    assert m["python_loop_ns"]["start"] > 0 and m["python_loop_ns"]["end"] > 0
    assert results["settings"]["clock"] == "wall"


def test_main_writes_json_and_prints_tables(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main([*FAST, "--dtypes", "f64", "--sections", "training,memory", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert set(data) >= {"machine", "settings", "training", "memory", "elapsed_s"}
    assert "per_op" not in data and "deep_chain" not in data
    printed = capsys.readouterr().out
    assert re.search(r"\| tiny \(100, 2-16-16-1, MSE\) +\| float64 +\| [0-9.]+ +\|", printed)
    assert "scratchgrad ms (ratio)" in printed and "fastest block" in printed


@pytest.mark.parametrize("cfg", [MINI_MSE, MINI_CE], ids=lambda c: c.name)
@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_scratchgrad_contestants_agree_with_the_numpy_floor(cfg, dtype):
    problem = make_problem(cfg, DTYPES[dtype])
    ref = NumpyMLP(problem)
    contestants = {
        "numpy": ref,
        "nn": ScratchgradNN(problem),
        "t": ScratchgradTensor(problem),
        "compiled": ScratchgradCompiled(problem),
    }
    agreement = check_agreement(contestants, ref)
    assert all(a["ok"] for a in agreement.values()), agreement
    # The compiled step replays the nn step exactly, after its two traces.
    nn_step, compiled = contestants["nn"], contestants["compiled"]
    for _ in range(3):
        nn_step.step()
        compiled.step()
    assert compiled.compiled.stats["replays"] == 2
    assert [w.tobytes() for w in compiled.weights()] == [w.tobytes() for w in nn_step.weights()]
    # One step was taken, and the weights moved away from the initial ones.
    assert not np.allclose(ref.weights()[0], problem.params[0])


def test_agreement_check_catches_a_wrong_gradient():
    problem = make_problem(MINI_CE)

    class Wrong(ScratchgradTensor):
        def gradients(self):
            loss, grads = super().gradients()
            grads[1] = grads[1] * 1.01
            return loss, grads

    ref = NumpyMLP(problem)
    agreement = check_agreement({"numpy": ref, "wrong": Wrong(problem)}, ref)
    assert agreement["numpy"]["ok"] and not agreement["wrong"]["ok"]
    assert agreement["wrong"]["grads"] == pytest.approx(0.01, rel=1e-3)


def test_numpy_floor_gradients_match_finite_differences():
    problem = make_problem(MINI_CE, DTYPES["f64"])
    ref = NumpyMLP(problem)
    _, grads = ref.gradients()
    w = ref.params[2]
    eps = 1e-6
    for idx in [(0, 0), (3, 6), (2, 1)]:
        old = w[idx]
        w[idx] = old + eps
        up, _ = ref.gradients()
        w[idx] = old - eps
        down, _ = ref.gradients()
        w[idx] = old
        assert grads[2][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-9)


def test_micrograd_contestant_agrees_or_says_why_not():
    problem = make_problem(MINI_MSE)
    reason = MicrogradMLP.unavailable(problem)
    try:
        import micrograd  # noqa: F401
    except ImportError:
        assert reason == "micrograd is not installed"
        return
    assert reason is None
    ref = NumpyMLP(problem)
    agreement = check_agreement({"numpy": ref, "micrograd": MicrogradMLP(problem)}, ref)
    assert agreement["micrograd"]["ok"], agreement
    assert MicrogradMLP.unavailable(make_problem(MINI_CE)) is not None
    assert MicrogradMLP.unavailable(make_problem(CONFIGS["small"])) is not None


def test_torch_contestant_agrees_with_the_numpy_floor():
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    assert torch is not None
    for cfg in (MINI_MSE, MINI_CE):
        for dtype in DTYPES.values():
            problem = make_problem(cfg, dtype)
            ref = NumpyMLP(problem)
            agreement = check_agreement({"numpy": ref, "torch": TorchMLP(problem)}, ref)
            assert agreement["torch"]["ok"], (cfg.name, dtype, agreement)


def test_interleaved_timing_respects_caps_and_rounds():
    calls = {"a": 0, "b": 0}

    def make(name):
        def step():
            calls[name] += 1

        return step

    t = interleaved(
        {"a": make("a"), "b": make("b")},
        budget_s=0,
        min_rounds=4,
        block_s=0,
        settle_s=0,
        max_samples={"b": 2},
    )
    assert len(t["a"].samples) == 4 and len(t["b"].samples) == 2
    assert t["a"].steps_per_block == 1
    # Two calibration calls, then one warm-up call and one timed call per block.
    assert calls == {"a": 2 + 4 * 2, "b": 2 + 2 * 2}
    cpu = interleaved({"a": make("a")}, budget_s=0, min_rounds=3, settle_s=0, clock=CLOCKS["cpu"])
    assert len(cpu["a"].samples) == 3 and all(s >= 0 for s in cpu["a"].samples)


def test_profile_reports_the_engine_functions():
    text = profile_step("tiny", seconds=0.05, top=5)
    assert "tottime" in text and "steps" in text


def test_pin_thread_env_sets_every_variable(monkeypatch):
    for var in THREAD_ENV_VARS:
        monkeypatch.setenv(var, "1")  # restored after the test
    pin_thread_env(3)
    assert all(os.environ[var] == "3" for var in THREAD_ENV_VARS)
    with pytest.raises(ValueError, match="at least 1"):
        pin_thread_env(0)


def test_unknown_names_are_rejected():
    with pytest.raises(SystemExit):
        parse_args(["--configs", "huge"])
    with pytest.raises(SystemExit):
        parse_args(["--threads", "0"])
    assert parse_args(["--contestants", "torch"]).contestants == ["numpy", "torch"]


def test_layer_benchmarks_check_gradients_and_report(results):
    rows = results["layers"]
    assert [(r["config"], r["dtype"]) for r in rows] == [
        ("conv-mini", "float32"), ("conv-mini", "float64"),
        ("block-mini", "float32"), ("block-mini", "float64"),
    ]  # fmt: skip
    for r in rows:
        assert set(r["contestants"]) == {"numpy", "scratchgrad"}
        for c in r["contestants"].values():
            assert c["agreement"]["ok"], c["agreement"]
            assert c["median_ms"] > 0 and math.isfinite(c["ratio"])
    table = report.layers_table(rows, ["numpy", "scratchgrad"])
    assert "conv 3x3 fwd+bwd (2, 3, 6, 6) -> 4 ch" in table and "transformer block step" in table


def test_layer_benchmark_contestants_agree_with_hand_written_numpy():
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    del torch
    for cfg in layers.LAYER_CONFIGS.values():  # the full sizes too: the README's problems
        entrants = layers.contestants(cfg, np.dtype(np.float64), ["scratchgrad", "torch"])
        assert set(entrants) == {"numpy", "scratchgrad", "torch"}
        ref = entrants["numpy"].gradients()
        for name in ("scratchgrad", "torch"):
            for g, r in zip(entrants[name].gradients(), ref):
                np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-9 * np.abs(r).max())

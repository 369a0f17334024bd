"""examples/from_scratch.py runs and prints the notebook's checks, all passing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "from_scratch.py"
CHECK = re.compile(r"^\[(ok|FAIL)\] (.+?)\s+max error (\S+)$")
TRAIN = re.compile(r"^\[(ok|FAIL)\] (.+?): loss (\S+) -> (\S+)$")
STEP = re.compile(r"^\s+step\s+(\d+)\s+loss (\S+)$")


@pytest.fixture(scope="module")
def output() -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXAMPLE.parents[1],
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_every_notebook_check_is_printed_with_a_small_error(output):
    checks = [m.groups() for m in map(CHECK.match, output.splitlines()) if m]
    names = {name for _, name, _ in checks}
    expected = [
        "forward (10, 7) vs per-sample loop W x_i + b",
        "dy/dW (10, 7, 7, 5): jacobian vs numerical_jacobian",
        "dy/dW: jacobian vs closed form dy_i/dW_ij = x_j",
        "dy/db (10, 7, 7): jacobian vs numerical_jacobian",
        "dy/dx per sample (10, 7, 5): jacobian vs numerical",
        "dy/dx per sample (10, 5, 5): jacobian vs numerical",
        "dy/dx per sample: jacobian vs closed form diag(x > 0)",
        "dout/dW1 (1, 3, 3, 2): jacobian vs numerical_jacobian",
        "dout/db1 (1, 3, 3): jacobian vs numerical_jacobian",
        "dout/dW1 (10, 4, 3, 2): jacobian vs numerical_jacobian",
        "dout/dW2 (10, 4, 4, 3): jacobian vs numerical_jacobian",
        "dout/db2 (10, 4, 4): jacobian vs numerical_jacobian",
        "MSE value vs NumPy",
        "dMSE/dpred: jacobian vs numerical_jacobian",
        "cross-entropy value vs NumPy",
        "dCE/dlogits: jacobian vs numerical_jacobian",
        "dCE/dlogits: jacobian vs closed form (softmax - onehot) / N",
    ]
    for name in expected:
        assert name in names, f"missing check {name!r}"
    # the two-layer networks (with and without ReLU) repeat their four checks
    assert len(checks) >= 27
    for status, name, err in checks:
        assert status == "ok" and float(err) < 1e-6, (name, status, err)
    assert output.count("gradcheck of the output w.r.t. x and every parameter: passed") == 3
    assert "FAIL" not in output
    assert output.rstrip().endswith("all checks passed")


def test_training_losses_go_down(output):
    runs = {}
    steps: list[float] = []
    for line in output.splitlines():
        s = STEP.match(line)
        if s:
            steps.append(float(s.group(2)))
            continue
        m = TRAIN.match(line)
        if m:
            runs[m.group(2)] = (m.group(1), float(m.group(3)), float(m.group(4)), steps)
            steps = []
    assert set(runs) == {"MSE regression", "cross-entropy classification"}
    for name, (status, first, last, trace) in runs.items():
        assert status == "ok", name
        assert last < 0.5 * first, (name, first, last)
        assert trace[0] == pytest.approx(first, rel=1e-5)
        assert trace[-1] == pytest.approx(last, rel=1e-5)
        assert len(trace) >= 5 and trace[-1] < trace[0]

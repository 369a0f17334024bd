"""Smoke tests: the training examples run as a user runs them and write what they promise."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(script, *args):
    env = dict(os.environ)
    # The examples import the packages from the checkout, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _assert_png(path):
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 10_000, "a real figure, not an empty canvas"


def test_train_digits_example(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn (the digits extra) not installed")
    pytest.importorskip("matplotlib", reason="matplotlib (the examples extra) not installed")
    result = _run("train_digits.py", "--epochs", 3, "--out", tmp_path)
    match = re.search(r"held-out accuracy: (\d+\.\d+)% \((\d+)/450 test images\)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 85.0  # three epochs already get far
    assert "Epoch 3/3" in result.stderr, "the progress bar is shown"
    _assert_png(tmp_path / "digits_training.png")
    svg = tmp_path / "digits_graph.svg"
    assert svg.is_file()
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text()
    assert "weight" in text, "parameters are labelled by name"


def test_train_digits_example_without_plots(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn (the digits extra) not installed")
    result = _run(
        "train_digits.py", "--epochs", 1, "--no-plots", "--no-progress", "--out", tmp_path
    )
    assert "held-out accuracy:" in result.stdout
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_moons_example(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (the examples extra) not installed")
    result = _run("moons.py", "--out", tmp_path)
    match = re.search(r"training accuracy: (\d+\.\d+)% \((\d+)/100 points\)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) == 100.0
    assert re.search(r"training time: \d+\.\d+ s for 100 steps", result.stdout)
    _assert_png(tmp_path / "moons.png")


def test_moons_example_without_plots(tmp_path):
    result = _run("moons.py", "--steps", 20, "--no-plots", "--out", tmp_path)
    assert re.search(r"training accuracy: \d+\.\d+% \(\d+/100 points\)", result.stdout)
    assert "for 20 steps" in result.stdout
    assert list(tmp_path.iterdir()) == []

"""The CNN and transformer examples run as a user runs them, on a short setting,
and write the pictures they promise."""

import re
import xml.etree.ElementTree as ET

import pytest

from tests.test_examples_training import _assert_png, _run


def test_cnn_digits_example(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn (the digits extra) not installed")
    pytest.importorskip("matplotlib", reason="matplotlib (the examples extra) not installed")
    result = _run("cnn_digits.py", "--epochs", 2, "--out", tmp_path)
    match = re.search(r"held-out accuracy: (\d+\.\d+)% \((\d+)/450 test images\)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 85.0  # two epochs of a CNN already get far
    assert "epoch  2/2" in result.stdout
    _assert_png(tmp_path / "cnn_digits.png")
    svg = tmp_path / "cnn_digits_graph.svg"
    assert ET.parse(svg).getroot().tag.endswith("svg")
    text = svg.read_text()
    # Each layer collapsed to one node, named by its path and type.
    for layer in ("0 · Conv2d", "1 · BatchNorm2d", "3 · Conv2d", "9 · Linear"):
        assert layer in text, layer


def test_transformer_example(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (the examples extra) not installed")
    result = _run(
        "transformer.py", "--size", 4, "--steps", 150, "--test", 200, "--d-model", 32,
        "--out", tmp_path,
    )  # fmt: skip
    match = re.search(r"held-out exact match: (\d+\.\d+)% \((\d+)/200 problems", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 50.0  # 150 steps on 4 digits: well above chance (1e-4)
    problems = re.findall(r"sort ((?:\d )+)= ((?:\d ?)+)\s+(right|WRONG)", result.stdout)
    assert len(problems) == 5
    for digits, answer, verdict in problems:
        truth = sorted(digits.split())
        assert (answer.split() == truth) == (verdict == "right")
    _assert_png(tmp_path / "transformer_attention.png")

"""The command line: python -m viz SCRIPT / --mlp SIZES."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.viz.helpers import needs_renderer, parse_dot
from viz.__main__ import main

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import nn
    from autograd import Tensor

    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    inputs = Tensor(np.ones((5, 2)))
    target = Tensor(np.zeros((5, 1)))
    loss = ((net(inputs) - target) ** 2).mean()
    loss.backward()
    """
)


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(SCRIPT)
    return path


def test_script_to_dot_finds_loss_module_and_variable_names(script, tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main([str(script), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    dot = parse_dot(out.read_text())
    labels = " ".join(n.label for n in dot.nodes.values())
    for name in ("0.weight", "0.bias", "2.weight", "2.bias", "inputs", "target", "loss"):
        assert f"<B>{name}</B>" in labels
    assert len(dot.of_class("param")) == 4
    # The script ran inside keep_intermediates: intermediates show values and grads.
    inter = dot.of_class("intermediate")
    assert inter and all("<B>grad</B>" in n.label for n in inter)
    assert "rankdir=TB" in out.read_text()


def test_script_options_var_params_no_keep_collapse(script, tmp_path):
    out = tmp_path / "g.dot"
    args = [
        str(script),
        "--var",
        "loss",
        "--params",
        "net",
        "--no-keep",
        "--collapse",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    dot = parse_dot(out.read_text())
    assert len(dot.of_class("module")) == 2
    assert all("<B>grad</B>" not in n.label for n in dot.of_class("intermediate"))
    assert main([str(script), "--cluster", "--rankdir", "LR", "-o", str(out)]) == 0
    text = out.read_text()
    assert "cluster_0" in text and "rankdir=LR" in text


def test_callable_var_and_backward_flag(tmp_path):
    path = tmp_path / "fn.py"
    path.write_text(
        textwrap.dedent(
            """
        from autograd import Tensor
        w = Tensor([2.0, 3.0], requires_grad=True)
        def make():
            return (w * w).sum(), {"w": w}
        """
        )
    )
    out = tmp_path / "g.dot"
    assert main([str(path), "--var", "make", "--backward", "-o", str(out)]) == 0
    (param,) = parse_dot(out.read_text()).of_class("param")
    assert "<B>w</B>" in param.label and "[4, 6]" in param.label  # grad 2w


def test_script_errors(script, tmp_path):
    with pytest.raises(
        SystemExit, match=r"defines no variable nope.*module-level Tensors: inputs, loss, target"
    ):
        main([str(script), "--var", "nope", "-o", str(tmp_path / "x.svg")])
    with pytest.raises(SystemExit, match="no such script"):
        main([str(tmp_path / "missing.py")])
    guarded = tmp_path / "guarded.py"
    guarded.write_text(
        "from autograd import Tensor\n"
        "if __name__ == '__main__':\n"
        "    loss = Tensor([1.0], requires_grad=True) * 2\n"
    )
    with pytest.raises(SystemExit, match="--run-main"):
        main([str(guarded), "-o", str(tmp_path / "x.dot")])
    assert main([str(guarded), "--run-main", "-o", str(tmp_path / "x.dot")]) == 0
    with pytest.raises(SystemExit):
        main(["--mlp", "2,x"])
    with pytest.raises(SystemExit):
        main([])


def test_mlp_spec_to_dot(tmp_path):
    out = tmp_path / "m.gv"
    assert main(["--mlp", "2,4,4,1", "--batch", "3", "--activation", "tanh", "-o", str(out)]) == 0
    dot = parse_dot(out.read_text())
    assert len(dot.of_class("param")) == 6
    assert "MLP([2, 4, 4, 1], activation=tanh) on a batch of 3" in dot.graph_label
    assert sum("Tanh" in n.label for n in dot.of_class("op")) == 2
    (output,) = dot.of_class("output")
    assert "<B>loss</B>" in output.label and "<B>grad</B>" in output.label


@needs_renderer
def test_python_dash_m_viz_writes_svg(tmp_path):
    out = tmp_path / "mlp.svg"
    proc = subprocess.run(
        [sys.executable, "-m", "viz", "--mlp", "2,3,1", "--color-by-grad", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    texts = _texts(out.read_text(encoding="utf-8"))
    assert {"0.weight", "2.bias", "loss", "x", "y"} <= set(texts)


def test_python_dash_m_viz_reports_errors_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "viz",
            "--mlp",
            "2,1",
            "--renderer",
            "neato",
            "-o",
            str(tmp_path / "a.svg"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert "python -m viz: renderer='neato'" in proc.stderr and "Traceback" not in proc.stderr


def test_help_says_the_script_is_executed(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "The script is executed: its module-level code runs" in text
    assert "run only scripts you trust" in text


@needs_renderer
def test_html_output_and_fold_option(tmp_path, capsys):
    out = tmp_path / "mlp.html"
    assert main(["--mlp", "2,3,1", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'id="viz-data"' in text
    assert capsys.readouterr().out == f"wrote {out}\n"
    loop = tmp_path / "loop.py"
    loop.write_text(
        textwrap.dedent(
            """
            import numpy as np
            from autograd import Tensor
            W = Tensor(np.eye(3) * 0.5, requires_grad=True)
            h = Tensor(np.ones((1, 3)))
            for _ in range(20):
                h = (h @ W).tanh()
            loss = h.sum()
            loss.backward()
            """
        )
    )
    dot = tmp_path / "loop.dot"
    assert main([str(loop), "--fold", "steps", "-o", str(dot)]) == 0
    folds = parse_dot(dot.read_text()).of_class("fold")
    assert len(folds) >= 18 and any("step 20 of 20" in n.label for n in folds)
    assert main([str(loop), "--fold", "off", "-o", str(dot)]) == 0
    assert not parse_dot(dot.read_text()).of_class("fold")

"""Rendering: renderer choice, the graphviz-pure fallback, SVG content, errors, Jupyter."""

from __future__ import annotations

import os
import stat
import webbrowser
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import nn
import viz
from autograd import Tensor
from tests.viz.helpers import (
    HAVE_DOT,
    HAVE_PURE,
    PURE_PATH,
    needs_dot,
    needs_pure,
    needs_renderer,
)
from viz import render

SVG = "{http://www.w3.org/2000/svg}"


def _mlp_loss():
    model = nn.MLP([2, 3, 1])
    x = Tensor(np.ones((4, 2)))
    loss = (model(x) ** 2).mean()
    loss.backward()
    return model, loss


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _fake(tmp_path: Path, name: str, script: str) -> Path:
    """An executable shell script standing in for a renderer."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def isolated_path(tmp_path, monkeypatch):
    """PATH holds only an empty directory; the interpreter's own bin is not searched."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(render, "_beside_python", lambda name: None)
    return bindir


@needs_renderer
def test_svg_parses_and_names_every_parameter():
    model, loss = _mlp_loss()
    svg = viz.to_svg(loss, params=model, names={"loss": loss})
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = _texts(svg)
    for name in ("0.weight", "0.bias", "2.weight", "2.bias", "loss"):
        assert name in texts
    ops = [n.title for n in viz.draw_graph(loss).viz_graph.nodes.values() if n.kind == "op"]
    assert "ReLU" in ops
    for op in ops:
        assert op in texts
    assert "(3, 2) float64" in " ".join(texts)
    # One SVG group per node, with the node's kind as its class.
    groups = [g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()]
    kinds = [set((g.get("class") or "").split()) - {"node"} for g in groups]
    assert sum({"param"} <= k for k in kinds) == 4
    assert sum({"output"} <= k for k in kinds) == 1
    assert len(groups) == len(viz.draw_graph(loss, params=model).viz_graph.nodes)


@needs_pure
def test_fallback_to_graphviz_pure_when_dot_is_not_on_path(isolated_path):
    (isolated_path / "graphviz-pure").symlink_to(PURE_PATH)
    assert not (isolated_path / "dot").exists()
    assert render.find_renderer() == str(isolated_path / "graphviz-pure")
    model, loss = _mlp_loss()
    svg = viz.to_svg(loss, params=model)
    assert "0.weight" in _texts(svg)
    # Jupyter's inline display goes through the same renderer.
    bundle = viz.draw_graph(loss, params=model)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "2.bias" in _texts(bundle["image/svg+xml"])


@pytest.mark.skipif(
    render._beside_python("graphviz-pure") is None,
    reason="graphviz-pure is not installed in this Python environment",
)
def test_graphviz_pure_found_next_to_python_when_not_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    found = render.find_renderer()
    assert os.path.basename(found) == "graphviz-pure"
    assert os.path.samefile(found, render._beside_python("graphviz-pure"))


def test_system_dot_is_preferred_and_its_output_returned(isolated_path):
    _fake(
        isolated_path,
        "dot",
        "/bin/cat > /dev/null; echo \"<svg xmlns='http://www.w3.org/2000/svg'>$1</svg>\"\n",
    )
    _fake(isolated_path, "graphviz-pure", "echo wrong; exit 1\n")
    x = Tensor([1.0], requires_grad=True)
    assert render.find_renderer() == str(isolated_path / "dot")
    svg = viz.to_svg(x * 2)
    assert ET.fromstring(svg).text == "-Tsvg"


def test_explicit_renderer_and_environment_variable(isolated_path, monkeypatch):
    dot = _fake(isolated_path, "dot", "echo dot\n")
    pure = _fake(isolated_path, "graphviz-pure", "echo pure\n")
    assert render.find_renderer("graphviz-pure") == str(pure)
    assert render.find_renderer(str(dot)) == str(dot)
    monkeypatch.setenv(render.ENV_VAR, "graphviz-pure")
    assert render.find_renderer() == str(pure)
    assert render.find_renderer("dot") == str(dot)  # the argument wins
    with pytest.raises(ValueError, match="expected 'dot', 'graphviz-pure'"):
        render.find_renderer("neato")
    with pytest.raises(RuntimeError, match="no executable file"):
        render.find_renderer(str(isolated_path / "missing"))


def test_no_renderer_is_a_clear_error(isolated_path):
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="pip install graphviz-pure") as info:
        viz.to_svg(x * 2)
    assert "apt install graphviz" in str(info.value)
    with pytest.raises(RuntimeError, match="`graphviz-pure` is not on PATH"):
        render.find_renderer("graphviz-pure")
    with pytest.raises(RuntimeError, match="`dot` is not on PATH"):
        render.find_renderer("dot")


def test_renderer_failure_reports_its_stderr_and_writes_nothing(isolated_path, tmp_path):
    _fake(
        isolated_path,
        "dot",
        "/bin/cat > /dev/null; echo 'Error: syntax error in line 3' >&2; exit 2\n",
    )
    x = Tensor([1.0], requires_grad=True)
    target = tmp_path / "out.svg"
    with pytest.raises(RuntimeError, match="exit status 2: Error: syntax error in line 3"):
        viz.save_svg(x * 2, target)
    assert not target.exists()


def test_renderer_timeout(isolated_path):
    _fake(isolated_path, "dot", "/bin/sleep 5\n")
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"did not finish rendering within 0\.2 s"):
        viz.to_svg(x * 2, timeout=0.2)


def test_to_svg_argument_checks():
    x = Tensor([1.0], requires_grad=True)
    drawing = viz.draw_graph(x * 2)
    with pytest.raises(TypeError, match="apply only when drawing a Tensor"):
        viz.to_svg(drawing, params={"x": x})
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.to_svg(42)


@needs_renderer
def test_save_svg_returns_path_and_accepts_digraph_or_tensor(tmp_path):
    model, loss = _mlp_loss()
    p = viz.save_svg(loss, tmp_path / "g.svg", params=model, rankdir="TB")
    assert p == tmp_path / "g.svg" and p.is_file()
    assert "0.weight" in _texts(p.read_text(encoding="utf-8"))
    drawing = viz.draw_graph(loss, params=model, collapse=True)
    p2 = viz.save_svg(drawing, str(tmp_path / "c.svg"))
    texts = _texts(p2.read_text(encoding="utf-8"))
    assert "0 · Linear" in texts and "0.weight" not in texts


@needs_dot
@needs_pure
def test_both_renderers_draw_the_same_nodes():
    model, loss = _mlp_loss()
    drawing = viz.draw_graph(loss, params=model, cluster=True, color_by_grad=True)
    a = viz.to_svg(drawing, renderer="dot")
    b = viz.to_svg(drawing, renderer="graphviz-pure")
    assert sorted(_texts(a)) == sorted(_texts(b))


@pytest.mark.skipif(not (HAVE_DOT or HAVE_PURE), reason="no Graphviz renderer installed")
def test_show_outside_ipython_writes_svg_prints_its_path_and_opens_browser(monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert viz.show((x * x).sum(), names={"x": x}) is None
    assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith(".svg")
    path = Path(opened[0][len("file://") :])
    try:
        assert capsys.readouterr().out == f"viz.show: wrote {path}\n"
        assert "x" in _texts(path.read_text(encoding="utf-8"))
    finally:
        path.unlink()


def test_show_in_a_notebook_displays_once(monkeypatch):
    IPython = pytest.importorskip("IPython")
    display_module = pytest.importorskip("IPython.display")

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(display_module, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(webbrowser, "open", lambda url: pytest.fail("opened a browser"))
    x = Tensor([1.0, 2.0], requires_grad=True)
    result = viz.show((x * x).sum(), names={"x": x})
    # display() once, and no return value for the cell to display again.
    assert result is None
    assert len(shown) == 1 and isinstance(shown[0], viz.Drawing)

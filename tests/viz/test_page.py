"""viz.save_html: the page's data, its backward order, and the page in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import nn
import viz
from autograd import Function, Tensor
from tests.viz.helpers import needs_renderer, recurrent
from viz.page import backward_order


class Record(Function):
    """Adds its inputs; its backward notes that it ran."""

    ran: list[Function] = []  # noqa: RUF012 - one log shared by the test's nodes

    def forward(self, *xs):
        return sum(x.data for x in xs)

    def backward(self, g):
        Record.ran.append(self)
        return tuple(g for _ in self.next_functions)


@pytest.mark.parametrize("seed", range(6))
def test_backward_order_is_the_order_the_engine_runs_rules(seed):
    rng = np.random.default_rng(seed)
    values = [Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)]
    for _ in range(25):
        picks = rng.choice(len(values), size=rng.integers(1, 4))
        values.append(Record.apply(*(values[i] for i in picks)))
    out = Record.apply(*values[-4:])
    expected = backward_order(out)
    Record.ran = []
    out.backward(np.ones(1))
    assert [id(f) for f in Record.ran] == [id(f) for f in expected]
    assert len(expected) == len({id(f) for f in expected})


def _mlp():
    model = nn.MLP([64, 32, 10], seed=0)
    x = Tensor(np.random.default_rng(0).random((1, 64)))
    with viz.keep_intermediates():
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits, Tensor(np.array([3])))
    loss.backward()
    return model, x, logits, loss


def _page_data(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="viz-data">(.*?)</script>', text, re.S)
    assert m is not None
    return json.loads(m.group(1))


@needs_renderer
def test_the_page_is_self_contained_and_holds_every_value(tmp_path):
    model, x, logits, loss = _mlp()
    names = {"image": x, "logits": logits, "loss": loss}
    path = viz.save_html(loss, tmp_path / "digits.html", params=model, names=names)
    assert path == tmp_path / "digits.html"
    text = path.read_text(encoding="utf-8")
    # Nothing to fetch: no external script, style, image or font.
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)
    assert set(re.findall(r"https?://[^\"' )]+", text)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert text.count("<script") == 2  # the data and the page's own script
    data = _page_data(text)
    titles = set(re.findall(r"<title>([^<]*)</title>", text))
    assert set(data["nodes"]) <= titles  # every node with data is in the picture
    (weight,) = [n for n in data["nodes"].values() if n["title"] == "0.weight"]
    w = model.named_parameters()
    w = dict(w)["0.weight"]
    assert weight["data"] == np.array2string(
        w.data, separator=", ", threshold=400, edgeitems=4, precision=6, max_line_width=96
    )
    assert "..." in weight["data"]  # 2,048 values: summarised
    assert weight["grad"].startswith("[[")
    ops = [n for n in data["nodes"].values() if n["kind"] == "op"]
    assert all(n["rule"] for n in ops) and any(n["formula"] == "x @ W.T + b" for n in ops)
    # One step per operation, in the engine's order, starting at the loss.
    order = backward_order(loss)
    assert [s["name"] for s in data["steps"]] == [f.name for f in order]
    first = data["steps"][0]
    assert data["nodes"][first["receives"]]["title"] == "loss"
    assert all(s["op"] in data["nodes"] for s in data["steps"])


@needs_renderer
def test_a_hostile_name_stays_text_in_the_page(tmp_path):
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = (w * 3.0).sum()
    out.backward()
    bad = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    text = viz.save_html(out, tmp_path / "p.html", params={bad: w}).read_text(encoding="utf-8")
    assert text.count("<script") == 2 and "<img" not in text
    data = _page_data(text)
    assert any(n["title"] == bad for n in data["nodes"].values())  # shown as typed


@needs_renderer
def test_a_folded_graph_steps_through_its_fold_node(tmp_path):
    loss, params = recurrent(50)
    text = viz.save_html(loss, tmp_path / "loop.html", params=params).read_text(encoding="utf-8")
    data = _page_data(text)
    assert len(data["steps"]) == 2 + 50 * 5
    (fold,) = [nid for nid, n in data["nodes"].items() if n["kind"] == "fold"]
    inside = [s for s in data["steps"] if s["op"] == fold]
    assert len(inside) == 48 * 5  # the rules of the 48 folded steps run inside it


# -- in a browser ---------------------------------------------------------


def _keep(path: Path) -> Path:
    """Copy a screenshot to $SCRATCHGRAD_ARTEFACTS when set (CI keeps that folder)."""
    folder = os.environ.get("SCRATCHGRAD_ARTEFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)
    return path


def _centre(browser, node_id):
    return browser.js(
        "(function(){var g=[].slice.call(document.querySelectorAll('g.node')).filter("
        f"function(g){{return g.querySelector('title').textContent==={json.dumps(node_id)};}})[0];"
        "var r=g.getBoundingClientRect();return [r.left+r.width/2,r.top+r.height/2];})()"
    )


def _mark(browser):
    return browser.js(
        "(function(){var m=document.querySelector('rect.viz-mark.current');"
        "return m?[m.getAttribute('x'),m.getAttribute('y')]:null;})()"
    )


@needs_renderer
def test_the_page_in_chromium(browser, tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    model, x, _, loss = _mlp()
    path = viz.save_html(
        loss, tmp_path / "digits.html", params=model, names={"image": x, "loss": loss}
    )
    browser.console.clear()
    browser.open(path.as_uri())
    assert browser.js("document.body.dataset.vizErrors || ''") == ""
    steps = _page_data(path.read_text(encoding="utf-8"))["steps"]
    assert browser.js("document.body.dataset.vizStep") == "0" and _mark(browser) is None

    # Stepping moves the highlight to the operation whose rule runs.
    seen = []
    for k in range(1, 4):
        browser.key("ArrowRight", 39)
        assert browser.js("document.body.dataset.vizStep") == str(k)
        assert browser.js("document.body.dataset.vizCurrent") == steps[k - 1]["op"]
        seen.append(_mark(browser))
    assert None not in seen and len({tuple(m) for m in seen}) == 3
    assert browser.js("document.querySelectorAll('rect.viz-mark.in').length") == 1
    assert browser.js("document.querySelectorAll('g.edge.viz-flow').length") >= 1
    browser.key("ArrowLeft", 37)
    assert browser.js("document.body.dataset.vizCurrent") == steps[1]["op"]

    # Clicking a node shows its full value and gradient.
    data = _page_data(path.read_text(encoding="utf-8"))["nodes"]
    (bias,) = [nid for nid, n in data.items() if n["title"] == "2.bias"]
    browser.click(*_centre(browser, bias))
    panel = browser.js("document.getElementById('viz-panel').innerText")
    assert "2.bias" in panel and data[bias]["data"].split("\n")[0] in panel
    assert data[bias]["grad"].split("\n")[0] in panel

    shot = _keep(browser.screenshot(tmp_path / "digits_mlp_step2.png"))
    pixels = np.asarray(PIL.open(shot).convert("RGB"))
    assert pixels.shape == (1000, 1400, 3)
    # The outline of the running operation is drawn in the page's accent colour.
    accent = np.all(pixels == (0xEA, 0x58, 0x0C), axis=-1).sum()
    assert accent > 100
    assert browser.console == []


@needs_renderer
def test_the_50_step_loop_in_chromium(browser, tmp_path):
    loss, params = recurrent(50, keep=True)
    path = viz.save_html(loss, tmp_path / "loop.html", params=params, names={"loss": loss})
    browser.console.clear()
    browser.open(path.as_uri() + "#step=5")
    assert browser.js("document.body.dataset.vizStep") == "5"
    browser.key("End", 35)
    assert browser.js("document.body.dataset.vizStep") == str(2 + 50 * 5)
    browser.key("Home", 36)
    assert browser.js("document.body.dataset.vizStep") == "0"
    for _ in range(5):
        browser.key("ArrowRight", 39)
    _keep(browser.screenshot(tmp_path / "recurrent_loop_step5.png"))
    assert browser.js("document.body.dataset.vizErrors || ''") == ""
    assert browser.console == []


@needs_renderer
def test_steps_inside_a_fold_mark_the_copies_beside_it(tmp_path):
    loss, params = recurrent(50)
    drawing = viz.draw_graph(loss, params=params)
    graph = drawing.viz_graph
    data = _page_data(viz.save_html(loss, tmp_path / "l.html", params=params).read_text("utf-8"))
    (fold,) = [nid for nid, n in data["nodes"].items() if n["kind"] == "fold"]
    edges = set(graph.edges)
    kinds = {nid: n["kind"] for nid, n in data["nodes"].items()}
    for s in data["steps"]:
        assert s["receives"] != s["op"] and s["op"] not in s["sends"]
        assert all(kinds[t] != "constant" for t in s["sends"])  # x_t gets no gradient
        assert s["rule"]  # every primitive here has a rule
        # Each marked input is drawn with an arrow into the marked operation.
        assert all((t, s["op"]) in edges for t in s["sends"]), s
    inside = [s for s in data["steps"] if s["op"] == fold]
    assert {t for s in inside for t in s["sends"]}  # the parameters' copies beside the fold


@needs_renderer
def test_a_hostile_name_runs_nothing_in_the_browser(browser, tmp_path):
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    out = (w * x).sum()
    out.backward()
    bad = {
        "<img src=x onerror='window.pwned=1'>": w,
        "</script><script>window.pwned=2</script>": x,
    }
    path = viz.save_html(out, tmp_path / "hostile.html", params=bad)
    browser.console.clear()
    browser.open(path.as_uri())
    nodes = _page_data(path.read_text(encoding="utf-8"))["nodes"]
    for name in bad:
        (nid,) = [k for k, n in nodes.items() if n["title"] == name]
        browser.click(*_centre(browser, nid))
        assert name in browser.js("document.getElementById('viz-panel').innerText")
    browser.key("End", 35)
    assert browser.js("typeof window.pwned") == "undefined"
    assert browser.js("document.querySelectorAll('img').length") == 0
    assert browser.js("document.querySelectorAll('script').length") == 2
    assert browser.console == []

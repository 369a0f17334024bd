"""Text fits its boxes, measured by a browser that has only DejaVu Sans (or only Liberation Sans).

Each picture is opened in headless Chromium with a font configuration that
holds one sans font family; every text element of every node must lie inside
the node's outline. DejaVu Sans is the widest common sans font (it is what a
stock Debian falls back to); Liberation Sans has the metrics of Arial and
Helvetica.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

import viz
from tests.viz.browser import Browser, fontconfig_with
from tests.viz.helpers import HAVE_DOT, HAVE_PURE, PURE_PATH, recurrent
from viz.demo import mlp_demo

FONTS = {
    "DejaVu Sans": "DejaVuSans*.ttf",
    "Liberation Sans": "LiberationSans-*.ttf",
}
RENDERERS = [r for r, ok in (("dot", HAVE_DOT), (PURE_PATH, HAVE_PURE)) if ok]

# [node, text, text box, node box] for each text outside its node's outline.
OVERFLOWS = """(function () {
  var out = [];
  document.querySelectorAll("g.node").forEach(function (g) {
    var shape = g.querySelector("path, polygon");
    if (!shape) { return; }
    var o = shape.getBBox();
    g.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      if (!t.textContent.trim()) { return; }  // a spacer: no glyphs
      if (b.x < o.x - 0.5 || b.x + b.width > o.x + o.width + 0.5 ||
          b.y < o.y - 0.5 || b.y + b.height > o.y + o.height + 0.5) {
        out.push([g.querySelector("title").textContent, t.textContent,
                  [b.x, b.width], [o.x, o.width]]);
      }
    });
  });
  return out;
})()"""


def _font_files(pattern: str) -> list[Path]:
    return [Path(p) for p in glob.glob(f"/usr/share/fonts/**/{pattern}", recursive=True)]


def _only(family: str, chromium: str, tmp_path_factory) -> Browser:
    files = _font_files(FONTS[family])
    if not files:
        pytest.skip(f"{family} is not installed in /usr/share/fonts")
    folder = tmp_path_factory.mktemp("fonts")
    b = Browser(chromium, folder / "profile", env=fontconfig_with(files, folder))
    b.family = family
    return b


@pytest.fixture(scope="module", params=list(FONTS))
def font_browser(request, chromium, tmp_path_factory):
    b = _only(request.param, chromium, tmp_path_factory)
    yield b
    b.close()


@pytest.fixture(scope="module")
def dejavu_browser(chromium, tmp_path_factory):
    b = _only("DejaVu Sans", chromium, tmp_path_factory)
    yield b
    b.close()


def _pictures():
    demo = mlp_demo([2, 3, 1], batch=4, seed=0)
    yield (
        "mlp",
        viz.draw_graph(
            demo.loss, params=demo.model, names=demo.names, show_rules=True, title=demo.title
        ),
    )
    deep = mlp_demo([2, 16, 16, 16, 1], batch=32, activation="sigmoid", seed=0)
    yield (
        "collapsed",
        viz.draw_graph(
            deep.loss, params=deep.model, collapse=True, color_by_grad=True, title=deep.title
        ),
    )
    yield "clusters", viz.draw_graph(deep.loss, params=deep.model, cluster=True)
    loss, params = recurrent(50, keep=True)
    yield "loop", viz.draw_graph(loss, params=params)
    yield "loop steps", viz.draw_graph(loss, params=params, fold="steps", max_nodes=60)


def _overflows(browser: Browser, svg: str, path: Path) -> list:
    path.write_text(svg, encoding="utf-8")
    browser.open_plain(path.as_uri())
    return browser.js(OVERFLOWS)


@pytest.mark.skipif(not RENDERERS, reason="no Graphviz renderer installed")
@pytest.mark.parametrize("renderer", RENDERERS)
def test_text_fits_its_boxes(font_browser, renderer, tmp_path):
    assert font_browser.js(f"document.fonts.check('12px \"{font_browser.family}\"')")
    for name, drawing in _pictures():
        svg = viz.to_svg(drawing, renderer=renderer)
        assert _overflows(font_browser, svg, tmp_path / f"{name}.svg") == [], name


@pytest.mark.skipif(not HAVE_PURE, reason="graphviz-pure is not installed")
def test_the_check_sees_text_sized_for_a_narrower_font(dejavu_browser, tmp_path):
    # Boxes sized with Helvetica's metrics and without viz's own widths, text
    # drawn with the browser's only font: the pictures before DejaVu Sans was
    # named and measured.
    demo = mlp_demo([2, 3, 1], batch=4, seed=0)
    drawing = viz.draw_graph(demo.loss, params=demo.model, names=demo.names, show_rules=True)
    source = drawing.source.replace('fontname="DejaVu Sans"', "fontname=Helvetica")
    source = re.sub(r' WIDTH="\d+">', ">", source)
    svg = viz.to_svg(source, renderer=PURE_PATH)
    assert len(_overflows(dejavu_browser, svg, tmp_path / "narrow.svg")) > 10

"""Hostile text (names, titles, operation names and rules) cannot change the picture's markup.

Every name reaches DOT through viz.text.escape. Whatever the name, the DOT
must parse, the SVG must be well-formed XML, hold no script and no
``javascript:``, and contain no element or attribute that a picture of the
same graph with plain names does not contain.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import viz
from autograd import Function, Tensor
from tests.viz.helpers import HAVE_DOT, HAVE_PURE, PURE_PATH
from viz.text import escape

PAYLOADS = [
    '<<TABLE><TR><TD HREF="javascript:alert(document.domain)">click me</TD></TR></TABLE>>',
    "<script>alert(1)</script>",
    '"; n0 [label="x" URL="javascript:alert(1)"]; "',
    "} subgraph cluster_x { a -> b } {",
    "]; n0 -> n1 [",
    "\\N \\G \\L \\E \\T \\H \\n \\l \\\\N",
    "&amp; &#60;script&#62; &lt; &#x3C;",
    "a\nb\r\nc\td",
    "JaVaScRiPt:alert(1)",
    "xjavascript:alert(1) vbscript :x",
    "<a xlink:href='javascript:alert(1)'>x</a>",
    "<![CDATA[x]]> <!-- c --> <?xml?>",
    "\x00\x01\x1f\x7f\ufffe\ud800",
    "{}[];=,:\"'`",
]

ALPHABET = st.sampled_from([*"<>&\"'{}[];=,:\\/\n\r\t #.-_aZ09", "\x00", "é", "∑", "\ufffe"])
names = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(ALPHABET, min_size=1, max_size=20),
    st.tuples(st.sampled_from(PAYLOADS), st.text(ALPHABET, max_size=8)).map("".join),
)

RENDERERS = [r for r, ok in (("dot", HAVE_DOT), (PURE_PATH, HAVE_PURE)) if ok]


def _graph(words: list[str]):
    """A small model with every kind of user-chosen text: parameter names with
    module prefixes (clusters), tensor names, a title and a custom operation
    whose class name and docstring (its rule) are hostile."""
    cell, p0, p1, x_name, out_name, title, op_name = words
    # A class name cannot hold NUL or a lone surrogate; the docstring can,
    # once the class exists.
    class_name = "".join(c for c in op_name if c != "\x00" and not "\ud800" <= c <= "\udfff")
    op = type(class_name or "op", (Function,), {})
    op.__doc__ = op_name + "; rule"
    op.forward = lambda self, a: a.data * 2.0
    op.backward = lambda self, g: (g * 2.0,)
    w = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    b = Tensor([0.1, 0.2], requires_grad=True)
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    out = op.apply((x @ w + b).tanh()).sum()
    out.backward()
    params = {f"{cell}.{p0}": w, f"{cell}.{p1}": b}
    return out, params, {x_name: x, out_name: out}, title


def _render(words: list[str], renderer: str, **options) -> str:
    out, params, names, title = _graph(words)
    drawing = viz.draw_graph(
        out, params=params, names=names, title=title, cluster=True, show_rules=True, **options
    )
    return viz.to_svg(drawing, renderer=renderer)


def _markup(svg: str) -> tuple[set[str], set[tuple[str, str]], int]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    tags = {el.tag for el in root.iter()}
    attrs = {(el.tag, a) for el in root.iter() for a in el.attrib}
    nodes = sum(1 for el in root.iter() if el.get("class", "").split()[:1] == ["node"])
    return tags, attrs, nodes


def _shown(text: str) -> str:
    """What a name looks like in the picture."""
    s = text.replace("\\", "∖")
    s = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]", "�", s)
    s = re.sub(r"(?i)(javascript|vbscript)(\s*:)", "\\1\u2060\\2", s)
    return " ".join(s.split())


@pytest.mark.skipif(not RENDERERS, reason="no Graphviz renderer installed")
@pytest.mark.parametrize("renderer", RENDERERS)
# Two renders per example: half the profile's count (12 by default).
@settings(max_examples=max(5, settings.default.max_examples // 2))
@given(words=st.lists(names, min_size=7, max_size=7))
@example(words=[PAYLOADS[0], "w", "b", PAYLOADS[1], PAYLOADS[2], PAYLOADS[5], "Hostile"])
@example(words=[PAYLOADS[1], PAYLOADS[3], PAYLOADS[4], PAYLOADS[6], PAYLOADS[7], "t", "x"])
def test_hostile_names_reach_the_svg_only_as_text(renderer, words):
    svg = _render(words, renderer)  # the renderer parses the DOT or raises
    lowered = svg.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    plain = _render([f"m{i}" for i in range(6)] + ["Op"], renderer)
    tags, attrs, nodes = _markup(svg)
    plain_tags, plain_attrs, plain_nodes = _markup(plain)
    assert tags <= plain_tags
    assert attrs <= plain_attrs
    assert nodes == plain_nodes
    # The names are shown, as text: the parameter names in full.
    root = ET.fromstring(svg)
    shown = " ".join(" ".join("".join(t.itertext()).split()) for t in root.iter())
    for name in (f"{words[0]}.{words[1]}", f"{words[0]}.{words[2]}"):
        assert _shown(name) in " ".join(shown.split())


@given(st.text())
@example("xjavascript:alert(1)")
def test_escape_leaves_no_markup_quote_or_backslash(text):
    s = escape(text)
    assert not set(s) & set("<>]\"'\\\n\r")
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#x27|#93);)*", s)
    ET.fromstring(f"<t a='{s}'>{s}</t>")  # XML can hold it, as text and as an attribute
    assert not re.search(r"(?i)(javascript|vbscript)\s*:", s)


def test_the_reported_injection_is_text_now():
    # The name from the report: an HTML-like label in a cluster's name.
    bad = '<<TABLE><TR><TD HREF="javascript:alert(document.domain)">click me</TD></TR></TABLE>>'
    w = Tensor(np.ones(2), requires_grad=True)
    out = (w * 2.0).sum()
    out.backward()
    source = viz.draw_graph(out, params={bad + ".w": w}, cluster=True).source
    assert "<TD HREF" not in source and 'HREF="' not in source
    assert "&lt;&lt;TABLE&gt;&lt;TR&gt;&lt;TD HREF=&quot;javascript\u2060:" in source

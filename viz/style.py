"""Colours, the gradient colour scale and the HTML-like labels of the nodes.

Every node is a small table (Graphviz "HTML-like label"): a title row, then
detail rows. Tensors are light cards whose colour says what they are;
operations are dark pills, so the eye separates values from computations.
"""

from __future__ import annotations

import math
import re

from autograd.function import PRIMITIVES, Function
from viz.fontmetrics import fit_cells
from viz.graph import Node
from viz.summary import Summary, fmt, shape_text
from viz.text import FONT as FONT
from viz.text import escape, lines

TEXT = "#1f2933"
MUTED = "#52606d"
EDGE = "#7b8794"
RED = "#d62728"
GRAD_TEXT = "#b4420c"

# kind -> (card fill, border, title shown when the tensor has no name, legend text)
KIND_STYLE: dict[str, tuple[str, str, str, str]] = {
    "param": ("#dbeafe", "#2563eb", "parameter", "parameter (named by params=)"),
    "leaf": ("#dcfce7", "#16a34a", "leaf", "leaf that requires grad"),
    "constant": ("#f3f4f6", "#9ca3af", "constant", "constant: no gradient"),
    "intermediate": ("#ffffff", "#9aa5b1", "", "intermediate result"),
    "output": ("#ffedd5", "#ea580c", "output", "output (where backward starts)"),
    "module": ("#ede9fe", "#7c3aed", "module", "collapsed submodule"),
    "fold": ("#fef9c3", "#a16207", "steps", "repeated steps, folded (fold=)"),
    "omitted": ("#fafafa", "#9ca3af", "", "nodes left out by max_nodes"),
}
OP_FILL = "#334155"
OP_TEXT = "#f8fafc"
OP_DETAIL = "#cbd5e1"
OP_RULE = "#fcd9b6"


# A sequential scale for gradient magnitudes, pale (vanishing) to dark red
# (exploding), evenly spaced in log10 of the gradient's RMS.
SCALE_CAPTION = "gradient RMS, log scale (pale: vanishing, dark: exploding):&nbsp;"
GRAD_SCALE = ("#fdf6d8", "#f9d27a", "#f39a45", "#de5a36", "#b02a3c", "#6b1440")


# Every piece of text in a label goes through viz.text.escape.
esc = escape


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


class GradScale:
    """Maps a gradient RMS to a colour on a log10 scale between ``lo`` and ``hi``."""

    def __init__(self, lo: float, hi: float) -> None:
        if not (0 < lo < hi):
            raise ValueError(f"draw_graph: grad_range must be 0 < lo < hi, got ({lo}, {hi})")
        self.lo, self.hi = lo, hi

    @classmethod
    def covering(cls, magnitudes: list[float]) -> GradScale:
        """Whole decades around the positive magnitudes, at least two decades wide."""
        positive = [m for m in magnitudes if m > 0 and math.isfinite(m)]
        if not positive:
            return cls(1e-3, 1.0)
        lo = math.floor(math.log10(min(positive)))
        hi = math.ceil(math.log10(max(positive)))
        if hi - lo < 2:
            mid = (lo + hi) / 2
            lo, hi = math.floor(mid - 1), math.ceil(mid + 1)
        return cls(10.0**lo, 10.0**hi)

    def position(self, magnitude: float) -> float:
        if magnitude <= 0:
            return 0.0
        t = (math.log10(magnitude) - math.log10(self.lo)) / (
            math.log10(self.hi) - math.log10(self.lo)
        )
        return min(max(t, 0.0), 1.0)

    def color(self, magnitude: float) -> str:
        t = self.position(magnitude) * (len(GRAD_SCALE) - 1)
        i = min(int(t), len(GRAD_SCALE) - 2)
        return _mix(GRAD_SCALE[i], GRAD_SCALE[i + 1], t - i)

    @staticmethod
    def text_on(fill: str) -> str:
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
        return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else TEXT


def _row(content: str, *, bg: str | None = None, align: str = "LEFT", span: int = 2) -> str:
    bgattr = f' BGCOLOR="{bg}"' if bg else ""
    spanattr = f' COLSPAN="{span}"' if span > 1 else ""
    return f'<TR><TD ALIGN="{align}" BALIGN="{align}"{spanattr}{bgattr}>{content}</TD></TR>'


# An empty last row keeps a coloured gradient row clear of the rounded corners.
_SPACER = '<TR><TD COLSPAN="2" HEIGHT="3" FIXEDSIZE="TRUE" WIDTH="1"></TD></TR>'


def _pair(label: str, value: str, *, bg: str | None = None) -> str:
    """A detail row: a label cell (``data``, ``grad``) and a value cell."""
    bgattr = f' BGCOLOR="{bg}"' if bg else ""
    return (
        f'<TR><TD ALIGN="LEFT" VALIGN="TOP"{bgattr}>{label}</TD>'
        f'<TD ALIGN="LEFT" BALIGN="LEFT"{bgattr}>{value}</TD></TR>'
    )


def _font(
    text: str, *, color: str | None = None, size: int | None = None, bold: bool = False
) -> str:
    if bold:
        text = f"<B>{text}</B>"
    attrs = ""
    if color:
        attrs += f' COLOR="{color}"'
    if size:
        attrs += f' POINT-SIZE="{size}"'
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


def _summary_row(what: str, s: Summary, label_color: str, scale: GradScale | None) -> str:
    problem = s.problem()
    bg = None
    text_color = RED if problem else None
    if scale is not None and s.rms is not None and not problem:
        bg = scale.color(s.rms)
        text_color = GradScale.text_on(bg)
        label_color = text_color
    value = _font(lines(s.text), color=text_color)
    if problem:
        value += "<BR/>" + _font(esc(f"⚠ {problem}"), color=RED, bold=True)
    return _pair(_font(what, color=RED if problem else label_color, bold=True), value, bg=bg)


def tensor_label(node: Node, scale: GradScale | None) -> str:
    fill, border, default_title, _ = KIND_STYLE[node.kind]
    if node.nonfinite:
        border = RED
    title = node.title or default_title
    head = _font(esc(title), bold=True) if title else ""
    kind_note = ""
    if node.title and node.kind in ("param", "leaf", "constant", "output"):
        kind_note = _font(esc(default_title), color=MUTED, size=9)
    if node.ref is not None:
        # A copy next to a later use (viz.layout.split_shared).
        kind_note = _font(esc(f"{default_title}, used again"), color=MUTED, size=9)
    shape = _font(esc(f"{shape_text(node.shape)} {node.dtype or ''}".strip()), color=MUTED, size=10)
    rows = []
    first = " ".join(p for p in (head, kind_note) if p)
    rows.append(_row(first + ("&nbsp;&nbsp;" if first else "") + shape))
    if node.data is not None:
        rows.append(_summary_row("data", node.data, MUTED, None))
    if node.grad is not None:
        rows.append(_summary_row("grad", node.grad, GRAD_TEXT, scale))
    rows.append(_SPACER)
    style = "rounded,dashed" if node.kind == "constant" else "rounded"
    width = 3 if node.nonfinite else (2 if node.kind == "output" else 1)
    return fit_cells(
        f'<<TABLE BORDER="{width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
        f'STYLE="{style}" COLOR="{border}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>",
        4,
    )


def op_facts(name: str, op: Function | None) -> tuple[str, str]:
    """``(formula, rule)`` of the operation called ``name``: the one lookup of op facts.

    Both come from the operation's class, where the op declares them: its
    ``formula`` attribute (``"a @ b"``; a student reads that faster than
    ``MatMul``) and the first line of its docstring, the derivative rule.
    A node whose class is gone (the name only) is looked up in the
    registry of primitives.
    """
    cls = type(op) if op is not None else PRIMITIVES.get(name)
    if cls is None:
        return "", ""
    formula = getattr(cls, "formula", None) or ""
    doc = cls.__doc__
    if not doc or doc == Function.__doc__:
        return formula, ""
    rule = doc.strip().splitlines()[0].split(";")[0].replace("``", "").strip()
    rule = re.sub(r"\s*\([^()]*\)$", "", rule) if rule.endswith(")") and " (" in rule else rule
    return formula, rule if len(rule) <= 80 else rule[:77] + "..."


def op_formula(node: Node) -> str:
    """``"a @ b"``, ``"a ** 2"``, ``"sum over axes (0, 1)"``: what the operation computes."""
    op = node.op
    attrs = getattr(op, "__dict__", {}) if op is not None else {}
    if node.title == "PowScalar" and "exponent" in attrs:
        return f"a ** {fmt(float(attrs['exponent']))}"
    formula = op_facts(node.title, op)[0]
    if node.title == "Transpose":
        return formula if attrs.get("axes") in (None, (1, 0)) else f"transpose {attrs['axes']}"
    if "axes" in attrs and node.title in ("Sum", "Mean", "Max", "Min", "LogSumExp"):
        axes = attrs["axes"]
        if axes is not None:
            text = f"{formula} over axes {tuple(axes)}"
            if isinstance(attrs.get("count"), int):
                text += f", n={attrs['count']}"  # what a mean divides by
            return text
    return "  ".join(p for p in (formula, node.detail) if p)


def op_rule(node: Node) -> str:
    """The derivative rule, ``d(a * b) = b da + a db`` (see :func:`op_facts`)."""
    return op_facts(node.title, node.op)[1]


def op_label(node: Node, show_rule: bool = False) -> str:
    text = _font(esc(node.title), color=OP_TEXT, bold=True)
    formula = op_formula(node)
    if formula:
        text += "&nbsp;&nbsp;" + _font(esc(formula), color=OP_DETAIL, size=9)
    rows = f"<TR><TD>&nbsp;{text}&nbsp;</TD></TR>"
    rule = op_rule(node) if show_rule else ""
    if rule:
        rows += f"<TR><TD>&nbsp;{_font(esc(rule), color=OP_RULE, size=9)}&nbsp;</TD></TR>"
    return fit_cells(
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" STYLE="rounded" '
        f'BGCOLOR="{OP_FILL}">{rows}</TABLE>>',
        3,
    )


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def module_label(node: Node, scale: GradScale | None) -> str:
    fill, border, _, _ = KIND_STYLE["module"]
    if node.nonfinite:
        border = RED
    ops = node.members.get("op", 0)
    tensors = sum(v for k, v in node.members.items() if k != "op")
    rows = [
        _row(_font(esc(node.title), bold=True)),
        _row(
            _font(
                esc(f"{_count(ops, 'operation')}, {_count(tensors, 'tensor')} inside"),
                color=MUTED,
                size=10,
            )
        ),
    ]
    for name, shape in node.rows:
        rows.append(_row(_font(esc(f"{name} {shape}"), size=10)))
    if node.data is not None and node.data.nonfinite:
        rows.append(_summary_row("data", node.data, MUTED, None))
    if node.grad is not None:
        rows.append(_summary_row("grad", node.grad, GRAD_TEXT, scale))
    rows.append(_SPACER)
    width = 3 if node.nonfinite else 1
    return fit_cells(
        f'<<TABLE BORDER="{width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
        f'STYLE="rounded" COLOR="{border}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>",
        4,
    )


def fold_label(node: Node, scale: GradScale | None) -> str:
    """A run of repeated steps (viz.fold): how many, what each does, its result."""
    fill, border, _, _ = KIND_STYLE["fold"]
    if node.nonfinite:
        border = RED
    ops = node.members.get("op", 0) + node.members.get("module", 0)
    tensors = sum(v for k, v in node.members.items() if k not in ("op", "module"))
    rows = [
        _row(_font(esc(node.title), bold=True)),
        _row(
            _font(
                esc(f"{_count(ops, 'operation')}, {_count(tensors, 'tensor')} inside"),
                color=MUTED,
                size=10,
            )
        ),
    ]
    for name, text in node.rows:
        rows.append(_row(_font(esc(f"{name}: {text}"), size=10)))
    if node.shape is not None:
        result = f"result {shape_text(node.shape)} {node.dtype or ''}".strip()
        rows.append(_row(_font(esc(result), color=MUTED, size=10)))
    if node.data is not None:
        rows.append(_summary_row("data", node.data, MUTED, None))
    if node.grad is not None:
        rows.append(_summary_row("grad", node.grad, GRAD_TEXT, scale))
    rows.append(_SPACER)
    width = 3 if node.nonfinite else 2
    return fit_cells(
        f'<<TABLE BORDER="{width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
        f'STYLE="rounded" COLOR="{border}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>",
        4,
    )


# kind -> (singular, plural) for the omitted node's count
_KIND_WORDS = {
    "op": ("operation", "operations"),
    "intermediate": ("intermediate tensor", "intermediate tensors"),
    "param": ("parameter", "parameters"),
    "leaf": ("leaf", "leaves"),
    "constant": ("constant", "constants"),
    "output": ("output", "outputs"),
    "module": ("collapsed module", "collapsed modules"),
}


def omitted_label(node: Node, max_nodes: int | None) -> str:
    parts = [
        f"{n:,} {_KIND_WORDS.get(k, (k, k))[0 if n == 1 else 1]}"
        for k, n in sorted(node.members.items())
    ]
    rows = [
        _row(_font(esc("… " + node.title), bold=True, color=MUTED)),
        _row(_font(esc(", ".join(parts)), color=MUTED, size=10)),
        _row(
            _font(
                esc(f"(max_nodes={max_nodes}: {dict(node.rows).get('hint', 'raise it')})"),
                color=MUTED,
                size=9,
            )
        ),
    ]
    return fit_cells(
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" STYLE="rounded,dashed" '
        f'COLOR="{KIND_STYLE["omitted"][1]}" BGCOLOR="{KIND_STYLE["omitted"][0]}">'
        + "".join(rows)
        + "</TABLE>>",
        3,
    )


def legend_label(
    kinds: set[str] | None,
    scale: GradScale | None,
    rankdir: str,
    output: str = "",
    title: str | None = None,
) -> str:
    """The graph's label: an optional title, then (unless ``kinds`` is None) the legend."""
    rows = []
    if title:
        text = _font(lines(title), size=14, bold=True)
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR>')
    if kinds is not None:
        rows.extend(_legend_rows(kinds, scale, rankdir, output))
    # The graph's label is drawn at the graph's font size, 10.
    return fit_cells(
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>",
        3,
        size=10,
    )


def _legend_rows(kinds: set[str], scale: GradScale | None, rankdir: str, output: str) -> list[str]:
    cells = []
    for kind in (
        "param",
        "leaf",
        "constant",
        "intermediate",
        "output",
        "module",
        "fold",
        "omitted",
    ):
        if kind not in kinds:
            continue
        fill, border, _, text = KIND_STYLE[kind]
        style = ' STYLE="dashed"' if kind in ("constant", "omitted") else ""
        cells.append(
            f'<TD BORDER="1" COLOR="{border}" BGCOLOR="{fill}"{style}>'
            f"{_font(esc(text), size=9)}</TD>"
        )
    if "op" in kinds:
        cells.append(f'<TD BGCOLOR="{OP_FILL}">{_font("operation", color=OP_TEXT, size=9)}</TD>')
    swatches = (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="4" CELLPADDING="3"><TR>'
        + "".join(cells)
        + "</TR></TABLE>"
    )
    direction = {"LR": "left to right", "RL": "right to left", "TB": "downwards", "BT": "upwards"}
    arrows = direction.get(rankdir, "along the arrows")
    out = output or "output"
    note = (
        f"Forward pass: data flows {arrows}, along the arrows. "
        f"backward() sends gradients the other way, from {out} back to every tensor "
        f"that requires grad: grad = d({out})/d(this tensor)."
    )
    rows = [
        f'<TR><TD ALIGN="LEFT">{swatches}</TD></TR>',
        f'<TR><TD ALIGN="LEFT">{_font(esc(note), color=MUTED, size=9)}</TD></TR>',
    ]
    if scale is not None:
        steps = []
        decades = round(math.log10(scale.hi) - math.log10(scale.lo))
        for k in range(decades + 1):
            m = scale.lo * 10.0**k
            bg = scale.color(m)
            label = _font(esc(fmt(m)), color=GradScale.text_on(bg), size=9)
            steps.append(f'<TD BGCOLOR="{bg}">&nbsp;{label}&nbsp;</TD>')
        bar = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
            f"<TD>{_font(SCALE_CAPTION, color=MUTED, size=9)}</TD>"
            + "".join(steps)
            + "</TR></TABLE>"
        )
        rows.append(f'<TR><TD ALIGN="LEFT">{bar}</TD></TR>')
    return rows

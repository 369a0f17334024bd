"""Advance widths of DejaVu Sans, to size label cells for the font the SVG names.

Graphviz sizes each cell from its own text measurement, which for DejaVu Sans
comes out up to about 7% narrower than a browser draws it (the system ``dot``
measures with hinted metrics; graphviz-pure's tables differ slightly), so
text ran past the borders of its card. :func:`text_width` measures with the
font's own advance widths instead (DejaVu Sans 2.37, Book and Bold, read
from the TrueType files; kerning ignored, which only ever narrows text), and
:mod:`viz.style` gives every cell at least that width. Characters outside
the table count as one em, wider than any glyph listed here.
"""

from __future__ import annotations

import html
import re

UNITS_PER_EM = 2048
CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFG"
    "HIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno"
    "pqrstuvwxyz{|}~·×÷−…⚠∖�é∑‘’“”–—°µ→←↑↓≤≥≠"
    "±√∞\xa0\u2060"
)
REGULAR = (
    651,
    821,
    942,
    1716,
    1303,
    1946,
    1597,
    563,
    799,
    799,
    1024,
    1716,
    651,
    739,
    651,
    690,
    1303,
    1303,
    1303,
    1303,
    1303,
    1303,
    1303,
    1303,
    1303,
    1303,
    690,
    690,
    1716,
    1716,
    1716,
    1087,
    2048,
    1401,
    1405,
    1430,
    1577,
    1294,
    1178,
    1587,
    1540,
    604,
    604,
    1343,
    1141,
    1767,
    1532,
    1612,
    1235,
    1612,
    1423,
    1300,
    1251,
    1499,
    1401,
    2025,
    1403,
    1251,
    1403,
    799,
    690,
    799,
    1716,
    1024,
    1024,
    1255,
    1300,
    1126,
    1300,
    1260,
    721,
    1300,
    1298,
    569,
    569,
    1186,
    569,
    1995,
    1298,
    1253,
    1300,
    1300,
    842,
    1067,
    803,
    1298,
    1212,
    1675,
    1212,
    1212,
    1075,
    1303,
    690,
    1303,
    1716,
    651,
    1716,
    1716,
    1716,
    2048,
    1836,
    1304,
    2100,
    1260,
    1380,
    651,
    651,
    1061,
    1061,
    1024,
    2048,
    1024,
    1303,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1305,
    1706,
    651,
    0,
)
BOLD = (
    713,
    934,
    1067,
    1716,
    1425,
    2052,
    1786,
    627,
    936,
    936,
    1071,
    1716,
    778,
    850,
    778,
    748,
    1425,
    1425,
    1425,
    1425,
    1425,
    1425,
    1425,
    1425,
    1425,
    1425,
    819,
    819,
    1716,
    1716,
    1716,
    1188,
    2048,
    1585,
    1561,
    1503,
    1700,
    1399,
    1399,
    1681,
    1714,
    762,
    762,
    1587,
    1305,
    2038,
    1714,
    1741,
    1501,
    1741,
    1577,
    1475,
    1397,
    1663,
    1585,
    2259,
    1579,
    1483,
    1485,
    936,
    748,
    936,
    1716,
    1024,
    1024,
    1382,
    1466,
    1214,
    1466,
    1389,
    891,
    1466,
    1458,
    702,
    702,
    1362,
    702,
    2134,
    1458,
    1407,
    1466,
    1466,
    1010,
    1219,
    979,
    1458,
    1335,
    1892,
    1321,
    1335,
    1192,
    1458,
    748,
    1458,
    1716,
    778,
    1716,
    1716,
    1716,
    2048,
    1836,
    1425,
    2280,
    1389,
    1470,
    778,
    778,
    1346,
    1346,
    1024,
    2048,
    1024,
    1507,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1716,
    1366,
    1706,
    713,
    0,
)
_WIDTHS = (dict(zip(CHARS, REGULAR)), dict(zip(CHARS, BOLD)))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of ``text`` (plain characters, no markup) at ``size`` points."""
    widths = _WIDTHS[1 if bold else 0]
    units = sum(widths.get(ch, UNITS_PER_EM) for ch in text)
    return units * size / UNITS_PER_EM


# An innermost cell of an HTML-like label: no cell or table inside it.
_CELL = re.compile(r"<TD((?:(?!>).)*)>((?:(?!<TD|</TD>|<TABLE).)*)</TD>", re.S)
_TOKEN = re.compile(r"<(/?)(BR/|FONT|B)([^>]*)>|([^<]+)")
_SIZE = re.compile(r'POINT-SIZE="([0-9.]+)"')


def content_width(content: str, size: float) -> float:
    """Width in points of a cell's content (text, ``<FONT>``, ``<B>``, ``<BR/>``)."""
    sizes, bold, line, widest = [size], 0, 0.0, 0.0
    for m in _TOKEN.finditer(content):
        closing, tag, attrs, text = m.groups()
        if text is not None:
            line += text_width(html.unescape(text), sizes[-1], bold > 0)
        elif tag == "BR/":
            widest, line = max(widest, line), 0.0
        elif tag == "B":
            bold += -1 if closing else 1
        elif closing:
            sizes.pop() if len(sizes) > 1 else None
        else:
            found = _SIZE.search(attrs)
            sizes.append(float(found.group(1)) if found else sizes[-1])
    return max(widest, line)


def fit_cells(label: str, padding: float, size: float = 11) -> str:
    """Give each text cell of an HTML-like label a ``WIDTH`` that holds its text in DejaVu Sans.

    ``padding`` is the table's ``CELLPADDING`` and ``size`` the font size
    that text without a ``POINT-SIZE`` has. Graphviz takes the larger of
    ``WIDTH`` and its own measurement, so a cell only ever grows.
    """

    def widen(m: re.Match[str]) -> str:
        attrs, content = m.groups()
        if "WIDTH=" in attrs or not content.strip():
            return m.group(0)
        width = content_width(content, size) + 2 * padding + 1
        return f'<TD{attrs} WIDTH="{width:.0f}">{content}</TD>'

    return _CELL.sub(widen, label)

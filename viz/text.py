"""Text that reaches Graphviz and the SVG: one escape for all of it, and the font.

Every piece of text that viz writes into DOT (labels, cluster labels,
tooltips, titles) goes through :func:`escape`, whatever its source: a
parameter name, a ``names=`` key, an operation's name, a title. The result
is safe in both places DOT holds text:

- inside an HTML-like label (``<...>``), where ``<``, ``>`` and ``&`` would
  otherwise start markup: a name such as ``<TD HREF="javascript:...">``
  would become a live link in the SVG;
- inside a quoted string (``"..."``), where ``"`` would end the string.

Graphviz also reads ``\\N``, ``\\G``, ``\\L`` and friends as escapes in any
label or tooltip, entity-encoded or not, with no way to quote them, so a
backslash is shown as the look-alike ``∖``. Characters that XML 1.0 cannot
hold (control characters, lone surrogates) become ``�``; line breaks become
spaces (callers that want separate lines split the text first); and a word
joiner after ``javascript`` / ``vbscript`` keeps the text from reading as a
URL scheme, even to a scanner that ignores context.
"""

from __future__ import annotations

import html
import re

# The font named in the DOT source: both renderers know its metrics
# (graphviz-pure has them built in; the system `dot` measures with
# fontconfig), so boxes are sized for it. It is the widest of the common
# sans fonts, and the SVG lists narrower ones after it (see FONT_STACK), so
# text fits its box whichever of them the viewer has.
FONT = "DejaVu Sans"
# Bitstream Vera Sans has DejaVu's metrics; Arial, Helvetica and Liberation
# Sans are narrower, so text drawn with any of them stays inside its box.
FONT_STACK = "DejaVu Sans, Bitstream Vera Sans, Arial, Helvetica, Liberation Sans, sans-serif"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_SCHEME = re.compile(r"(?i)(javascript|vbscript)(\s*:)")


def escape(text: object) -> str:
    """``text`` as it can be written into DOT, in an HTML-like label or a quoted string.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        Text with no ``<``, ``>``, ``]``, ``&`` (other than the entities
        written here), ``"``, ``'`` or backslash, and no character XML cannot
        hold.
    """
    s = str(text)
    s = _BREAKS.sub(" ", s).replace("\t", " ")
    s = _NOT_XML.sub("\ufffd", s)
    s = s.replace("\\", "\u2216")
    s = _SCHEME.sub(lambda m: m.group(1) + "\u2060" + m.group(2), s)
    # Graphviz 2.43 reads "]]>" (and a lone "]") in an HTML-like label as the
    # end of a CDATA section: a syntax error.
    return html.escape(s, quote=True).replace("]", "&#93;")


def lines(text: object) -> str:
    """Escaped text with its line breaks as ``<BR/>``, for an HTML-like label."""
    return "<BR/>".join(escape(line) for line in _BREAKS.split(str(text)))


def with_font_stack(svg: str) -> str:
    """Name the fallback fonts in an SVG written for :data:`FONT`, and ask for
    text laid out at the font's own advance widths.

    Graphviz sizes boxes with the font's unhinted metrics, but a browser
    drawing hinted text rounds each advance to whole pixels, which made
    DejaVu Sans up to 7% wider than its box at some zoom levels;
    ``text-rendering="geometricPrecision"`` turns that rounding off.
    """
    svg = svg.replace(f'font-family="{FONT}"', f'font-family="{FONT_STACK}"')
    return svg.replace("<svg ", '<svg text-rendering="geometricPrecision" ', 1)

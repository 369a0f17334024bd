"""Short text summaries of arrays for graph labels.

A label has room for a line or two, so a tiny array is shown in full and a
larger one as ``min / mean / max``. NaN and inf are counted separately (a
mean over them says nothing), so that the picture can mark them in red.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Arrays with at most this many elements are shown value by value.
TINY = 8


@dataclass(frozen=True)
class Summary:
    """What a label says about one array.

    Attributes
    ----------
    text : str
        ``"0.25"``, ``"[1, -2.5]"`` or ``"min -1.2 · mean 0.03 · max 2.1"``.
    nan, inf : int
        How many elements are NaN and how many are ±inf.
    rms : float or None
        Root mean square of the finite elements (``None`` when there are
        none, or for non-numeric data): the magnitude used to colour
        gradients.
    """

    text: str
    nan: int = 0
    inf: int = 0
    rms: float | None = None

    @property
    def nonfinite(self) -> bool:
        return bool(self.nan or self.inf)

    def problem(self) -> str:
        """``"2 NaN, 1 inf"``, or ``""`` when every element is finite."""
        parts = []
        if self.nan:
            parts.append(f"{self.nan} NaN")
        if self.inf:
            parts.append(f"{self.inf} inf")
        return ", ".join(parts)


def fmt(x: float) -> str:
    """A number in at most 4 significant digits: ``0.1235``, ``-3e-07``, ``12``."""
    if x != x:
        return "nan"
    if x in (np.inf, -np.inf):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _values(a: np.ndarray) -> str:
    """All values; a 2-D array one row per line, so it reads like a matrix."""
    if a.ndim == 0:
        return _scalar(a.item())
    if a.ndim == 2 and a.shape[0] > 1 and a.shape[1] > 1:
        return "\n".join(_flat(row) for row in a)
    return _flat(a.ravel()) if a.ndim == 1 else _nested(a)


def _flat(row: np.ndarray) -> str:
    return "[" + ", ".join(_scalar(v) for v in row.tolist()) + "]"


def _nested(a: np.ndarray) -> str:
    if a.ndim == 1:
        return _flat(a)
    return "[" + ", ".join(_nested(sub) for sub in a) + "]"


def _scalar(v: object) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return fmt(float(v))  # type: ignore[arg-type]


def root_mean_square(finite: np.ndarray) -> float | None:
    """RMS of finite float values, scaled first so that squaring cannot overflow."""
    if finite.size == 0:
        return None
    scale = float(np.abs(finite).max())
    if scale == 0.0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(finite / scale))) * scale)


def summarize(array: np.ndarray, tiny: int = TINY) -> Summary:
    """Summarize ``array`` for a label.

    Parameters
    ----------
    array : numpy.ndarray
    tiny : int
        Arrays with at most this many elements are shown element by element.

    Returns
    -------
    Summary
    """
    a = np.asarray(array)
    if a.dtype.kind not in "biuf":
        return Summary(text=f"{a.dtype} array")
    if a.size == 0:
        return Summary(text="empty")
    if a.dtype.kind == "b":
        if a.size <= tiny:
            return Summary(text=_values(a))
        return Summary(text=f"{int(a.sum())} of {a.size} True")
    af = a.astype(np.float64, copy=False)
    finite_mask = np.isfinite(af)
    nan = int(np.isnan(af).sum())
    inf = int(a.size - nan - finite_mask.sum())
    finite = af[finite_mask]
    rms = root_mean_square(finite)
    if a.size <= tiny:
        return Summary(text=_values(a), nan=nan, inf=inf, rms=rms)
    if finite.size == 0:
        return Summary(text="no finite values", nan=nan, inf=inf, rms=None)
    scale = float(np.abs(finite).max()) or 1.0
    mean = float(np.mean(finite / scale)) * scale  # no overflow for values near 1e308
    text = f"min {fmt(finite.min())} · mean {fmt(mean)} · max {fmt(finite.max())}"
    return Summary(text=text, nan=nan, inf=inf, rms=rms)


def shape_text(shape: tuple[int, ...] | None) -> str:
    """``(3, 4)``, ``(3,)``, ``()`` for a scalar: as NumPy prints shapes."""
    if shape is None:
        return "?"
    return str(tuple(int(n) for n in shape))

"""Label summaries of arrays."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given

from viz.summary import fmt, shape_text, summarize


def test_tiny_arrays_show_every_value():
    assert summarize(np.float64(0.25)).text == "0.25"
    assert summarize(np.array([1.0, -2.5])).text == "[1, -2.5]"
    assert summarize(np.array([[1.0, 2.0], [3.0, 4.0]])).text == "[1, 2]\n[3, 4]"
    assert summarize(np.array([[1.0], [2.0]])).text == "[[1], [2]]"
    assert summarize(np.array([1, 2, 3])).text == "[1, 2, 3]"
    assert summarize(np.array([True, False])).text == "[True, False]"


def test_larger_arrays_show_min_mean_max():
    s = summarize(np.arange(20.0))
    assert s.text == "min 0 · mean 9.5 · max 19"
    assert abs(s.rms - np.sqrt(np.mean(np.arange(20.0) ** 2))) < 1e-12
    assert summarize(np.zeros(10, dtype=bool)).text == "0 of 10 True"
    assert summarize(np.zeros((0, 3))).text == "empty"


def test_nan_and_inf_are_counted_not_averaged():
    s = summarize(np.array([1.0, np.nan, np.inf, -np.inf, 3.0, 5.0, 7.0, 9.0, 11.0]))
    assert (s.nan, s.inf) == (1, 2) and s.nonfinite
    assert s.text == "min 1 · mean 6 · max 11"
    assert s.problem() == "1 NaN, 2 inf"
    allnan = summarize(np.full(10, np.nan))
    assert allnan.text == "no finite values" and allnan.rms is None and allnan.nan == 10
    assert not summarize(np.ones(3)).nonfinite and summarize(np.ones(3)).problem() == ""


def test_fmt_and_shape_text():
    assert fmt(0.123456) == "0.1235"
    assert fmt(-3e-7) == "-3e-7"
    assert fmt(12.0) == "12"
    assert fmt(1e20) == "1e20"
    assert fmt(float("nan")) == "nan" and fmt(float("-inf")) == "-inf"
    assert shape_text((3, 4)) == "(3, 4)" and shape_text((3,)) == "(3,)" and shape_text(()) == "()"


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_summary_counts_match_numpy(a):
    s = summarize(a)
    assert s.nan == int(np.isnan(a).sum())
    assert s.inf == int(np.isinf(a).sum())
    finite = a[np.isfinite(a)]
    if finite.size:
        # Pure-Python RMS, scaled by the largest magnitude so that values near
        # the float64 maximum do not overflow when squared.
        values = finite.tolist()
        m = max(abs(v) for v in values) or 1.0
        expected = m * math.sqrt(math.fsum((v / m) ** 2 for v in values) / len(values))
        assert s.rms is not None and math.isclose(s.rms, expected, rel_tol=1e-9, abs_tol=1e-300)
    else:
        assert s.rms is None
    if a.size > 8 and finite.size:
        assert s.text.startswith("min ") and fmt(float(finite.max())) in s.text

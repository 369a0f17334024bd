"""The special functions' accuracy over wide ranges, their edge values against
PyTorch, and the function forms; the op table (rows/special.py) checks the
derivatives."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

mpmath.mp.dps = 30
RNG = np.random.default_rng(7)


def _ref(f, xs: np.ndarray) -> np.ndarray:
    return np.array([float(f(mpmath.mpf(float(x)))) for x in xs])


def _relerr(got: np.ndarray, want: np.ndarray, floor: float = 0.0) -> float:
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), floor)))


WIDE = np.concatenate(
    [RNG.uniform(-8, 8, 300), 10.0 ** RNG.uniform(-300, 2.2, 100), RNG.uniform(0.8, 2.2, 100)]
)
NON_INTEGER = WIDE[WIDE != np.floor(WIDE)]
NEAR_ONE = np.concatenate([RNG.uniform(-1, 1, 300), 1 - 10.0 ** -RNG.uniform(1, 15.9, 50)])


@pytest.mark.parametrize(
    ("name", "mp", "xs", "floor", "tol"),
    [
        ("erf", mpmath.erf, WIDE, 0.0, 2e-15),
        ("erfc", mpmath.erfc, WIDE[WIDE < 26], 0.0, 5e-15),
        ("erfinv", mpmath.erfinv, NEAR_ONE, 0.0, 3e-15),
        # Away from its zeros (1, 2 and between the negative poles) lgamma is
        # relative-accurate; near the negative zeros, absolute.
        ("lgamma", lambda v: mpmath.loggamma(v).real, NON_INTEGER[NON_INTEGER > 0], 0.0, 5e-15),
        ("lgamma", lambda v: mpmath.loggamma(v).real, NON_INTEGER, 1.0, 1e-14),
        ("digamma", mpmath.digamma, NON_INTEGER, 1.0, 5e-15),
    ],
    ids=["erf", "erfc", "erfinv", "lgamma_positive", "lgamma", "digamma"],
)
def test_double_precision_against_mpmath(name, mp, xs, floor, tol) -> None:
    got = getattr(ag, name)(xs).data
    assert _relerr(got, _ref(mp, xs), floor) < tol


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_against_mpmath(n: int) -> None:
    xs = NON_INTEGER[(np.abs(NON_INTEGER) < 30) & (np.abs(NON_INTEGER) > 1e-3)]
    want = np.array([float(mpmath.polygamma(n, float(x))) for x in xs])
    assert _relerr(ag.polygamma(n, xs).data, want) < 1e-14


def test_near_zeros_and_the_erfc_tail() -> None:
    # lgamma(1 + z) and lgamma(2 + z) are relative-accurate for tiny z.
    z = np.array([1e-12, -1e-9, 3e-6, -0.01])
    for base in (1.0, 2.0):
        want = _ref(lambda v: mpmath.loggamma(v), base + z)
        assert _relerr(ag.lgamma(base + z).data, want) < 1e-13
    # digamma near its positive zero: relative, not absolute, accuracy.
    root = 1.4616321449683623
    x = root + np.array([0.0, 1e-15, -3e-13, 1e-8, -0.15, 0.19])
    assert _relerr(ag.digamma(x).data, _ref(mpmath.digamma, x)) < 2e-15
    x = np.array([5.0, 10.0, 20.0, 26.0])
    assert _relerr(ag.erfc(x).data, _ref(mpmath.erfc, x)) < 5e-15
    assert _relerr(ag.erfc(-x).data, 2.0 - _ref(mpmath.erfc, x)) < 1e-16


def test_float32_in_float32_out() -> None:
    x = np.linspace(0.1, 0.9, 9, dtype=np.float32)
    for name in ("erf", "erfc", "erfinv", "lgamma", "digamma"):
        out = getattr(ag, name)(x)
        assert out.dtype == np.float32
        wide = getattr(ag, name)(x.astype(np.float64)).data
        np.testing.assert_allclose(out.data, wide, rtol=1e-6)
    assert ag.polygamma(2, x).dtype == np.float32


def test_function_forms_take_arrays_scalars_and_integers() -> None:
    assert ag.erf(0.5).item() == pytest.approx(math.erf(0.5), rel=1e-15)
    assert ag.lgamma(np.arange(1, 6)).dtype == ag.get_default_dtype()
    factorials = np.log([1, 1, 2, 6, 24])
    np.testing.assert_allclose(ag.lgamma(np.arange(1, 6)).data, factorials, atol=1e-15)
    t = Tensor([0.3], requires_grad=True)
    assert ag.polygamma(0, t).grad_fn.name == "Digamma"
    np.testing.assert_array_equal(t.polygamma(1).data, ag.polygamma(1, t).data)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="polygamma: n must be a non-negative integer"):
            ag.polygamma(bad, t)


def test_higher_derivatives_chain_through_the_family() -> None:
    x = Tensor([0.7, 2.5], requires_grad=True)
    (g1,) = ag.grad(x.lgamma().sum(), [x], create_graph=True)
    (g2,) = ag.grad(g1.sum(), [x], create_graph=True)
    (g3,) = ag.grad(g2.sum(), [x])
    for k, g in enumerate((g1, g2, g3)):
        want = [float(mpmath.polygamma(k, v)) for v in (0.7, 2.5)]
        np.testing.assert_allclose(g.data, want, rtol=1e-14)


EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, -2.0, -1.5, 0.5, 1e-300, -1e-300, 30.0]


@pytest.mark.parametrize(
    ("name", "torch_name"),
    [
        ("erf", "special.erf"),
        ("erfc", "special.erfc"),
        ("erfinv", "special.erfinv"),
        ("lgamma", "lgamma"),
        ("digamma", "digamma"),
    ],
)
def test_edge_values_match_torch(name: str, torch_name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    from tests.autograd.torch_refs import resolve

    x = np.array([*EDGES, 1.5, 0.999999, -0.999999])
    want = resolve(torch_name)(torch.from_numpy(x)).numpy()
    got = getattr(ag, name)(x).data
    # The oracle's tolerance: PyTorch's digamma(-0.999999) is 6e-12 relative off
    # (mpmath: -999999.5771842643...), where this library's is within 1e-16.
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0, equal_nan=True)
    # Signs of zeros and infinities as well (a NaN's sign bit means nothing).
    real = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[real]), np.signbit(want[real]))


def test_polygamma_edges() -> None:
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, -3.0])
    for n in (1, 2, 3):
        got = ag.polygamma(n, x).data
        sign = (-1.0) ** (n + 1)
        np.testing.assert_array_equal(got, [np.nan, 0.0, np.nan, *([sign * np.inf] * 4)])


def test_against_scipy_where_installed() -> None:
    special = pytest.importorskip("scipy.special")
    x = RNG.uniform(-6, 6, 200)
    np.testing.assert_allclose(ag.erf(x).data, special.erf(x), rtol=1e-14)
    np.testing.assert_allclose(ag.erfc(x).data, special.erfc(x), rtol=1e-13)
    y = RNG.uniform(-1, 1, 200)
    np.testing.assert_allclose(ag.erfinv(y).data, special.erfinv(y), rtol=1e-13)
    np.testing.assert_allclose(ag.lgamma(x).data, special.gammaln(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ag.digamma(x).data, special.digamma(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ag.polygamma(2, x).data, special.polygamma(2, x), rtol=1e-12)

"""The scalar demo from micrograd's README, unchanged except for ``Tensor`` in
place of ``Value``: same values and gradients, and the same as PyTorch."""

from __future__ import annotations

import pytest

from autograd import Tensor


def demo(make):
    """The README expression, built from scalars made by ``make``."""
    a = make(-4.0)
    b = make(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_micrograd_readme_demo() -> None:
    a, b, g = demo(lambda v: Tensor(v, requires_grad=True))
    assert g.shape == () and a.grad.shape == ()
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    assert a.grad.item() == pytest.approx(138.8338, abs=1e-4)
    assert b.grad.item() == pytest.approx(645.5773, abs=1e-4)


def test_micrograd_readme_demo_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    a, b, g = demo(lambda v: Tensor(v, requires_grad=True))
    ta, tb, tg = demo(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    assert g.item() == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad.item() == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad.item() == pytest.approx(tb.grad.item(), rel=1e-12)

"""Checking derivatives against finite differences.

``numerical_jacobian`` estimates a Jacobian with central differences;
``gradcheck`` compares it with the Jacobian that reverse mode computes;
``gradgradcheck`` does the same for second derivatives.

The finite differences always run on float64 copies of the inputs: a step of
``1e-6`` is below float32's resolution for values near 1 (its spacing there is
about ``1.2e-7`` and the rounding of ``f`` swamps the difference), so a float32
estimate would be noise. A float32 input is still checked, with its analytic
Jacobian computed in float32, but a :class:`Float32GradcheckWarning` says that
the check is only meaningful in float64: float32 rounding hides any error
smaller than about ``1e-7`` relative, and the default tolerances are tuned for
float64. (PyTorch's ``gradcheck`` perturbs the float32 input itself and warns
in the same situation.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from autograd.function import enable_grad
from autograd.functional import (
    _as_tuple,
    _call,
    _grad,
    _is_float,
    _jacobian_full,
    _prepare_inputs,
    _unpack,
)
from autograd.tensor import Tensor

__all__ = [
    "Float32GradcheckWarning",
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "numerical_jacobian",
]

# A Jacobian with at most this many rows and columns is printed in full in a
# failure report; a larger one is summarised by its worst entries.
_FULL_REPORT_SIDE = 8
_WORST_ENTRIES = 10


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when derivatives disagree."""


class Float32GradcheckWarning(UserWarning):
    """A gradient check ran on a float32 (or narrower) input, where it is only indicative."""


# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------


def _outputs_as_arrays(out: Any, fn_name: str) -> tuple[bool, list[np.ndarray]]:
    was_tuple, outs = _as_tuple(out, "the outputs of f", fn_name)
    # Copies in float64: an output may be a view of the input being perturbed.
    return was_tuple, [np.array(o.data, dtype=np.float64) for o in outs]


def _numerical(
    f: Callable[..., Any], xs: Sequence[Tensor], eps: float, fn_name: str
) -> tuple[bool, list[list[np.ndarray]]]:
    """Central differences ``J[output][input]`` (float64 arrays, shape O + I)."""
    if not eps > 0:
        raise ValueError(f"{fn_name}: eps must be positive, got {eps}")
    copies = []
    for k, x in enumerate(xs):
        if not _is_float(x):
            raise TypeError(
                f"{fn_name}: input {k} has dtype {x.dtype}; only floating-point inputs "
                "can be differentiated"
            )
        copies.append(Tensor(np.array(x.data, dtype=np.float64)))
    out_tuple, base = _outputs_as_arrays(f(*copies), fn_name)
    jac = [[np.zeros(o.shape + c.shape) for c in copies] for o in base]
    for j, c in enumerate(copies):
        flat = c.data.reshape(-1)  # a view: writing it perturbs the copy
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus_step = flat[k]
            _, plus = _outputs_as_arrays(f(*copies), fn_name)
            flat[k] = orig - eps
            # Divide by the step actually taken after rounding, not by 2 * eps.
            step = plus_step - flat[k]
            _, minus = _outputs_as_arrays(f(*copies), fn_name)
            flat[k] = orig
            for i, (p, m) in enumerate(zip(plus, minus)):
                if p.shape != base[i].shape or m.shape != base[i].shape:
                    raise RuntimeError(
                        f"{fn_name}: output {i} changed shape from {base[i].shape} to "
                        f"{p.shape} when input {j} was perturbed"
                    )
                jac[i][j].reshape(p.size, flat.size)[:, k] = ((p - m) / step).reshape(-1)
    return out_tuple, jac


#: What ``gradcheck`` and ``numerical_jacobian`` take: a Tensor, or a tuple of
#: arguments in which the floating-point Tensors that require grad are checked.
Inputs = Tensor | Sequence[Any]


@overload
def numerical_jacobian(f: Callable[..., Tensor], inputs: Tensor, eps: float = ...) -> Tensor: ...
@overload
def numerical_jacobian(
    f: Callable[..., Tensor], inputs: tuple[Tensor, ...], eps: float = ...
) -> tuple[Tensor, ...]: ...
@overload
def numerical_jacobian(f: Callable[..., Any], inputs: Inputs, eps: float = ...) -> Any: ...
def numerical_jacobian(f: Callable[..., Any], inputs: Inputs, eps: float = 1e-6) -> Any:
    """Jacobian of ``f`` at ``inputs`` by central differences in float64.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate. They are not modified:
        ``f`` runs on float64 copies, each element moved by ``+eps`` and ``-eps``.
    eps : float, default 1e-6
        The finite-difference step.

    Returns
    -------
    Tensor, tuple of Tensor, or tuple of tuples of Tensor
        float64 Tensors laid out exactly as :func:`autograd.functional.jacobian`
        lays out its result: shape ``O + I``, ``result[i][j]`` for output ``i``
        and input ``j`` when there are several of each.

    Notes
    -----
    Costs ``2 * n`` calls of ``f`` for ``n`` input elements. The truncation error
    is of order ``eps**2`` times the third derivative and the rounding error of
    order ``1e-16 / eps`` times the size of ``f``.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.gradcheck import numerical_jacobian
    >>> J = numerical_jacobian(lambda x: x * x, Tensor([1.0, 2.0]))
    >>> J.numpy().round(6).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    in_tuple, xs = _as_tuple(inputs, "inputs", "numerical_jacobian")
    out_tuple, jac = _numerical(f, xs, eps, "numerical_jacobian")
    return _unpack([_unpack([Tensor(a) for a in row], in_tuple) for row in jac], out_tuple)


# ---------------------------------------------------------------------------
# Comparing Jacobians
# ---------------------------------------------------------------------------


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _describe_mismatch(
    analytic: np.ndarray,
    numerical: np.ndarray,
    out_shape: tuple[int, ...],
    in_shape: tuple[int, ...],
    atol: float,
    rtol: float,
    title: str,
) -> str | None:
    """A report if ``|a - n| <= atol + rtol * |n|`` fails anywhere, else None."""
    n_out, n_in = int(np.prod(out_shape)), int(np.prod(in_shape))
    # "+ 0.0" turns -0.0 into 0.0 so that the printed matrices read cleanly.
    a = analytic.astype(np.float64).reshape(n_out, n_in) + 0.0
    n = numerical.reshape(n_out, n_in) + 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_err = np.abs(a - n)
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(n))
        bad = ~(abs_err <= atol + rtol * np.abs(n))  # NaN counts as a failure
    if not bad.any():
        return None

    def where(r: int, c: int) -> str:
        return (
            f"output index {_index(r, out_shape)}, input index {_index(c, in_shape)} "
            f"(analytic {a[r, c]:.6g}, numerical {n[r, c]:.6g})"
        )

    # NaN sorts as the largest error, so a NaN entry is always reported.
    worst_abs = np.unravel_index(np.argmax(np.nan_to_num(abs_err, nan=np.inf)), a.shape)
    worst_rel = np.unravel_index(np.argmax(np.nan_to_num(rel_err, nan=np.inf)), a.shape)
    lines = [
        title,
        f"  largest absolute error {abs_err[worst_abs]:.3e} at {where(*worst_abs)}",
        f"  largest relative error {rel_err[worst_rel]:.3e} at {where(*worst_rel)}",
        f"  {int(bad.sum())} of {bad.size} entries exceed atol + rtol * |numerical| "
        f"(atol={atol:g}, rtol={rtol:g})",
    ]
    if n_out <= _FULL_REPORT_SIDE and n_in <= _FULL_REPORT_SIDE:
        with np.printoptions(precision=6, suppress=True, linewidth=100):
            lines += [
                f"  analytic Jacobian ({n_out} output elements x {n_in} input elements):",
                _indent(str(a)),
                "  numerical Jacobian:",
                _indent(str(n)),
            ]
    else:
        order = np.argsort(-np.nan_to_num(abs_err, nan=np.inf), axis=None, kind="stable")
        order = [k for k in order[:_WORST_ENTRIES] if bad.flat[k]]
        lines.append(
            f"  worst entries of the {out_shape} x {in_shape} Jacobian "
            f"(output index, input index: analytic vs numerical, absolute error):"
        )
        for k in order:
            r, c = divmod(int(k), n_in)
            lines.append(
                f"    {_index(r, out_shape)}, {_index(c, in_shape)}: "
                f"{a[r, c]:.6g} vs {n[r, c]:.6g}, {abs_err[r, c]:.3e}"
            )
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _warn_float32(xs: Sequence[Tensor], fn_name: str) -> None:
    low = sorted({str(x.dtype) for x in xs if np.finfo(x.dtype).bits < 64})
    if low:
        warnings.warn(
            f"{fn_name}: an input is {' and '.join(low)}; the check is only meaningful in "
            "float64 (float32 rounding hides errors below about 1e-7 relative). Convert "
            "the inputs to float64 for a reliable check.",
            Float32GradcheckWarning,
            stacklevel=3,
        )


def _split_inputs(inputs: Any, fn_name: str) -> tuple[tuple[Any, ...], list[int]]:
    """The arguments, and the positions of those that are differentiated."""
    items = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [
        k for k, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad and _is_float(x)
    ]
    if not diff:
        raise ValueError(
            f"{fn_name}: no input requires grad; mark the inputs to check with "
            "requires_grad=True (integer inputs and inputs that do not require grad "
            "are passed through unchanged)"
        )
    return items, diff


def _check(
    f: Callable[..., Any],
    xs: Sequence[Tensor],
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
    in_names: Sequence[str],
    out_name: Callable[[int], str],
    fn_name: str,
    fast_mode: bool = False,
) -> bool:
    """Compare the reverse-mode and finite-difference Jacobians of ``f`` at ``xs``."""
    if fast_mode:
        mismatch = _fast_mismatch(f, xs, eps, atol, rtol, fn_name)
        if mismatch is None:
            return True
        if not raise_exception:
            return False
        # Find and report the offending entries with the full check; if that
        # passes after all, report the projection itself.
        _check(f, xs, eps, atol, rtol, True, in_names, out_name, fn_name)
        j, a, n = mismatch
        raise GradcheckError(
            f"{fn_name} (fast_mode): the projection u^T J v with respect to {in_names[j]} "
            f"differs: analytic {a:.6g}, numerical {n:.6g} (absolute error {abs(a - n):.3e}, "
            f"atol={atol:g}, rtol={rtol:g}); the full Jacobians agree within tolerance, so "
            "the difference is the accumulated error of many entries"
        )
    _, _, outs, analytic = _jacobian_full(f, tuple(xs), False, False, fn_name)
    _, numerical = _numerical(f, xs, eps, fn_name)
    for i, out in enumerate(outs):
        if not _is_float(out):
            continue  # integer and boolean outputs have no derivative to check
        for j, x in enumerate(xs):
            a = analytic[i][j].data
            title = (
                f"{fn_name}: Jacobian mismatch for {out_name(i)} (shape {out.shape}) "
                f"with respect to {in_names[j]} (shape {x.shape}, {x.dtype})"
            )
            report = _describe_mismatch(a, numerical[i][j], out.shape, x.shape, atol, rtol, title)
            if report is not None:
                return _fail(report, raise_exception)
    return True


def _fast_mismatch(
    f: Callable[..., Any],
    xs: Sequence[Tensor],
    eps: float,
    atol: float,
    rtol: float,
    fn_name: str,
) -> tuple[int, float, float] | None:
    """Compare ``u^T J v`` for random unit ``u`` (over outputs) and ``v`` (per input).

    One backward pass and two evaluations of ``f`` per input instead of the full
    Jacobians. Returns ``(input, analytic, numerical)`` for the first mismatch.
    """
    rng = np.random.default_rng(0)
    _, ins = _prepare_inputs(tuple(xs), False, fn_name)
    _, outs = _call(f, ins, fn_name)
    floats = [k for k, o in enumerate(outs) if _is_float(o)]
    us = [rng.standard_normal(outs[k].shape) for k in floats]
    norm = np.sqrt(sum(float((u * u).sum()) for u in us)) or 1.0
    us = [u / norm for u in us]
    seeds = [Tensor(u.astype(outs[k].dtype)) for u, k in zip(us, floats)]
    gs = _grad([outs[k] for k in floats], ins, seeds, create_graph=False)
    copies = [Tensor(np.array(x.data, dtype=np.float64)) for x in xs]

    def projected() -> float:
        _, ys = _outputs_as_arrays(f(*copies), fn_name)
        return sum(float((u * ys[k]).sum()) for u, k in zip(us, floats))

    for j, (x, c, g) in enumerate(zip(xs, copies, gs)):
        v = rng.standard_normal(x.shape)
        v /= np.sqrt((v * v).sum()) or 1.0
        analytic = 0.0 if g is None else float((g.data.astype(np.float64) * v).sum())
        orig = c.data.copy()
        c.data[...] = orig + eps * v
        plus = projected()
        c.data[...] = orig - eps * v
        minus = projected()
        c.data[...] = orig
        numerical = (plus - minus) / (2 * eps)
        if not abs(analytic - numerical) <= atol + rtol * abs(numerical):
            return j, analytic, numerical
    return None


def gradcheck(
    f: Callable[..., Any],
    inputs: Inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    fast_mode: bool = False,
) -> bool:
    """Check the gradients of ``f`` at ``inputs`` against finite differences.

    For every output and every input that requires grad, the Jacobian computed
    by reverse mode (:func:`autograd.functional.jacobian`) must match
    :func:`numerical_jacobian` within ``atol + rtol * |numerical|``, entry by
    entry (PyTorch's ``allclose`` rule and default tolerances).

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple
        Arguments for ``f``. Floating-point Tensors with ``requires_grad=True``
        are checked; other entries (integer Tensors, Tensors that do not require
        grad, plain Python values) are passed through unchanged. Inputs are not
        modified and their ``.grad`` is left untouched.
    eps : float, default 1e-6
        Finite-difference step.
    atol, rtol : float, default 1e-5 and 1e-3
        Absolute and relative tolerances.
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on a mismatch; if False return False.
    fast_mode : bool, default False
        Compare one random projection ``u^T J v`` per input (``u`` over all
        outputs, ``v`` over the input, both of unit norm) instead of every
        entry: one backward pass and two evaluations of ``f`` per input rather
        than one backward pass per output element and two evaluations per input
        element. A wrong Jacobian almost surely changes the projection, but an
        error confined to a few entries of a large Jacobian is diluted by the
        averaging, so the full check is the stricter one. On a mismatch the
        full check runs to produce the report.

    Returns
    -------
    bool
        True if every Jacobian matches.

    Raises
    ------
    GradcheckError
        On a mismatch. The message names the output and the input, gives the
        largest absolute and relative errors with their indices, and shows both
        Jacobians (small ones in full, large ones by their worst entries).
    ValueError
        If no input requires grad.

    Warns
    -----
    Float32GradcheckWarning
        If an input is float32 (see the module notes).

    Examples
    --------
    >>> from autograd import Tensor, gradcheck
    >>> x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> gradcheck(lambda x: (x * x.exp()).sum(), x)
    True
    >>> gradcheck(lambda x: x.detach() * x, x, raise_exception=False)
    False
    """
    items, diff = _split_inputs(inputs, "gradcheck")
    xs = [items[k] for k in diff]
    _warn_float32(xs, "gradcheck")
    return _check(
        _reinsert(f, items, diff),
        xs,
        eps,
        atol,
        rtol,
        raise_exception,
        in_names=[f"input {k}" for k in diff],
        out_name=lambda i: f"output {i}",
        fn_name="gradcheck",
        fast_mode=fast_mode,
    )


def _reinsert(f: Callable[..., Any], items: tuple[Any, ...], diff: list[int]) -> Callable:
    """``f`` as a function of the differentiated arguments only."""

    def g(*xs: Tensor) -> Any:
        args = list(items)
        for k, x in zip(diff, xs):
            args[k] = x
        return f(*args)

    return g


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Inputs,
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    fast_mode: bool = False,
) -> bool:
    """Check the second derivatives of ``f`` at ``inputs`` against finite differences.

    Runs :func:`gradcheck` on the function ``(inputs, v) -> v^T J`` (the
    gradients of ``f``'s outputs weighted by ``grad_outputs = v``, computed with
    ``create_graph=True``), so both the derivatives of the backward pass with
    respect to the inputs and with respect to ``v`` are checked.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple
        As in :func:`gradcheck`.
    grad_outputs : Tensor or tuple of Tensor, optional
        One per floating-point output of ``f``, of its shape. Default: standard
        normal values from a fixed seed, in the output's dtype.
    eps, atol, rtol, raise_exception, fast_mode
        As in :func:`gradcheck`.

    Returns
    -------
    bool
        True if every second derivative matches.

    Raises
    ------
    GradcheckError
        On a mismatch; the message names the gradient (with respect to which
        input) and what it was differentiated against.

    Examples
    --------
    >>> from autograd import Tensor, gradgradcheck
    >>> x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> gradgradcheck(lambda x: x.tanh() * x, x)
    True
    """
    items, diff = _split_inputs(inputs, "gradgradcheck")
    xs = [items[k] for k in diff]
    _warn_float32(xs, "gradgradcheck")
    with enable_grad():
        _, outs = _as_tuple(f(*items), "the outputs of f", "gradgradcheck")
    floats = [o for o in outs if _is_float(o)]
    vs = _grad_outputs(grad_outputs, floats)
    n = len(xs)
    g = _reinsert(f, items, diff)

    def first_order(*args: Tensor) -> tuple[Tensor, ...]:
        # During finite differences the arguments are plain float64 copies; they
        # must require grad for the inner gradient to be computed at all.
        # Only the reverse-mode pass differentiates the result; the finite
        # differences just evaluate it, so they skip recording the backward.
        record = any(a.requires_grad for a in args)
        ins = [a if a.requires_grad else a.detach().requires_grad_(True) for a in args[:n]]
        with enable_grad():
            _, ys = _as_tuple(g(*ins), "the outputs of f", "gradgradcheck")
            ys = [y for y in ys if _is_float(y)]
            gs = _grad(ys, ins, list(args[n:]), create_graph=record)
        return tuple(
            gk if gk is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
            for gk, x in zip(gs, ins)
        )

    return _check(
        first_order,
        [*xs, *vs],
        eps,
        atol,
        rtol,
        raise_exception,
        in_names=[f"input {k}" for k in diff] + [f"grad_outputs[{k}]" for k in range(len(vs))],
        out_name=lambda i: f"the gradient with respect to input {diff[i]}",
        fn_name="gradgradcheck",
        fast_mode=fast_mode,
    )


def _grad_outputs(grad_outputs: Any, outs: Sequence[Tensor]) -> list[Tensor]:
    """The vectors ``v`` of ``v^T J``: given ones (validated) or seeded random ones."""
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        return [
            Tensor(rng.standard_normal(o.shape).astype(o.dtype), requires_grad=True) for o in outs
        ]
    _, given = _as_tuple(grad_outputs, "grad_outputs", "gradgradcheck")
    if len(given) != len(outs):
        raise ValueError(
            f"gradgradcheck: grad_outputs must have one Tensor per floating-point output "
            f"of f ({len(outs)}), got {len(given)}"
        )
    result = []
    for k, (v, o) in enumerate(zip(given, outs)):
        if v.shape != o.shape:
            raise ValueError(
                f"gradgradcheck: grad_outputs[{k}] has shape {v.shape}, but output {k} "
                f"has shape {o.shape}"
            )
        # A private copy, so that differentiating with respect to it leaves the
        # caller's tensor alone.
        result.append(Tensor(np.array(v.data, dtype=o.dtype), requires_grad=True))
    return result

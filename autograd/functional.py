"""Whole-function derivatives: Jacobians, Hessians and their products with vectors.

Every function here follows ``torch.autograd.functional``'s conventions:

- ``inputs`` is a Tensor or a tuple of Tensors and ``f`` is called as ``f(*inputs)``;
- ``f`` returns a Tensor or a tuple of Tensors;
- a single input and a single output give a single result, several give tuples
  (for ``jacobian``, ``result[i][j]`` is the derivative of output ``i`` with
  respect to input ``j``);
- the Jacobian of an output of shape ``O`` with respect to an input of shape
  ``I`` has shape ``O + I``;
- ``vjp``, ``jvp``, ``hvp`` and ``vhp`` return ``(output, product)``.

The user's tensors are never modified and their ``.grad`` is left untouched:
``f`` runs on fresh leaves that share the input data. Results are detached
Tensors, unless ``create_graph=True``, in which case they stay connected to the
inputs (to those that require grad) and can be differentiated again.

Everything is built on reverse mode. A Jacobian takes one vector-Jacobian
product (one backward pass over a single recorded forward pass) per output
element; Jacobian-vector products use the double-VJP trick: ``u -> J^T u`` is
linear in ``u``, so differentiating it with respect to ``u`` in direction ``v``
gives ``J v``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from autograd.engine import grad
from autograd.function import enable_grad
from autograd.ops.shape import stack
from autograd.tensor import Tensor

TensorOrTensors = Tensor | tuple[Tensor, ...]

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# ---------------------------------------------------------------------------
# Argument handling shared by every function (gradcheck uses it too)
# ---------------------------------------------------------------------------


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """Normalise a Tensor or a sequence of Tensors to ``(was_tuple, tuple)``."""
    if isinstance(value, Tensor):
        return False, (value,)
    if isinstance(value, (tuple, list)):
        for k, item in enumerate(value):
            if not isinstance(item, Tensor):
                raise TypeError(
                    f"{fn_name}: {what} must be a Tensor or a tuple of Tensors, "
                    f"but entry {k} is a {type(item).__name__}"
                )
        return True, tuple(value)
    raise TypeError(
        f"{fn_name}: {what} must be a Tensor or a tuple of Tensors, got {type(value).__name__}"
    )


def _unpack(values: Sequence[Any], was_tuple: bool) -> Any:
    return tuple(values) if was_tuple else values[0]


def _is_float(t: Tensor) -> bool:
    return bool(np.issubdtype(t.dtype, np.floating))


def _identity(x: Tensor) -> Tensor:
    # A differentiable copy that is a distinct graph node: the same Tensor passed
    # twice as two inputs must get two separate Jacobians.
    return x * 1


def _prepare_inputs(inputs: Any, create_graph: bool, fn_name: str) -> tuple[bool, list[Tensor]]:
    """Fresh tensors for ``f`` to run on, each requiring grad.

    Without ``create_graph`` they are detached leaves sharing the input data, so
    nothing is recorded on the user's graph. With it, inputs that require grad
    go through an identity node so that the results stay connected to them.
    """
    was_tuple, xs = _as_tuple(inputs, "inputs", fn_name)
    prepared = []
    for k, x in enumerate(xs):
        if not _is_float(x):
            raise TypeError(
                f"{fn_name}: input {k} has dtype {x.dtype}; only floating-point "
                "inputs can be differentiated"
            )
        if create_graph and x.requires_grad:
            with enable_grad():
                prepared.append(_identity(x))
        else:
            prepared.append(x.detach().requires_grad_(True))
    return was_tuple, prepared


def _call(f: Callable[..., Any], xs: Sequence[Tensor], fn_name: str) -> tuple[bool, tuple]:
    with enable_grad():
        out = f(*xs)
    return _as_tuple(out, "the outputs of f", fn_name)


def _as_vectors(
    v: Any, like: Sequence[Tensor], what: str, fn_name: str
) -> tuple[Tensor | None, ...]:
    """Check ``v`` against the tensors it multiplies; ``None`` allowed for one-element ones."""
    if v is None:
        if all(t.size == 1 for t in like):
            return tuple(Tensor(np.ones(t.shape, dtype=t.dtype)) for t in like)
        raise ValueError(
            f"{fn_name}: v can be omitted only when every one of the {what} has exactly one "
            f"element; got shapes {[t.shape for t in like]}"
        )
    if isinstance(v, (tuple, list)):
        vs = tuple(v)
    else:
        vs = (v,)
    if len(vs) != len(like):
        raise ValueError(
            f"{fn_name}: v must have one entry per {what[:-1]} ({len(like)}), got {len(vs)}"
        )
    out = []
    for k, (vk, t) in enumerate(zip(vs, like)):
        arr = vk.data if isinstance(vk, Tensor) else np.asarray(vk)
        if arr.shape != t.shape:
            raise ValueError(
                f"{fn_name}: v[{k}] has shape {arr.shape}, but the {what[:-1]} it multiplies "
                f"has shape {t.shape}"
            )
        out.append(vk if isinstance(vk, Tensor) else Tensor(arr.astype(t.dtype, copy=False)))
    return tuple(out)


def _finish(t: Tensor | None, like: Tensor, create_graph: bool) -> Tensor:
    """Replace a missing gradient by zeros, detach unless a graph was asked for."""
    if t is None:
        return Tensor(np.zeros(like.shape, dtype=like.dtype))
    return t if create_graph else t.detach()


def _grad(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    create_graph: bool,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """``autograd.grad`` over the outputs that carry a graph; ``None`` for unreached inputs."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    with enable_grad():
        return tuple(
            grad(
                [o for o, _ in pairs],
                list(inputs),
                grad_outputs=[g for _, g in pairs],
                retain_graph=retain_graph,
                create_graph=create_graph,
                allow_unused=True,
            )
        )


# ---------------------------------------------------------------------------
# Jacobian and Hessian
# ---------------------------------------------------------------------------


def _jacobian_rows(
    outputs: Sequence[Tensor],
    xs: Sequence[Tensor],
    create_graph: bool,
    strict: bool,
    fn_name: str,
) -> list[list[Tensor]]:
    """``J[i][j]``, the Jacobian of ``outputs[i]`` with respect to ``xs[j]`` (shape O + I).

    One backward pass per output element over the same recorded graph
    (``retain_graph=True``), each giving one row of every ``J[i][j]``.
    """
    used = [False] * len(xs)
    result: list[list[Tensor]] = []
    for i, out in enumerate(outputs):
        n = out.size
        rows: list[list[Any]] = [[] for _ in xs]
        if out.requires_grad and n > 0:
            seed = np.zeros(n, dtype=out.dtype)
            for k in range(n):
                seed[k] = 1
                v = Tensor(seed.reshape(out.shape).copy())
                seed[k] = 0
                gs = _grad([out], xs, [v], create_graph, retain_graph=True)
                for j, (g, x) in enumerate(zip(gs, xs)):
                    if g is not None:
                        used[j] = True
                        if g.shape != x.shape:
                            raise RuntimeError(
                                f"{fn_name}: the gradient computed for input {j} has shape "
                                f"{g.shape}, but that input has shape {x.shape} (output {i}, "
                                f"element {k}); some operation's backward returned a "
                                "wrongly shaped gradient"
                            )
                    rows[j].append(g)
        elif strict and not out.requires_grad:
            raise RuntimeError(
                f"{fn_name} (strict=True): output {i} does not depend on any input "
                "(it does not require grad)"
            )
        result.append([_assemble(rows[j], out, x, create_graph) for j, x in enumerate(xs)])
    if strict:
        for j, u in enumerate(used):
            if not u:
                raise RuntimeError(
                    f"{fn_name} (strict=True): none of the outputs depends on input {j}"
                )
    return result


def _assemble(rows: list[Any], out: Tensor, x: Tensor, create_graph: bool) -> Tensor:
    shape = tuple(out.shape) + tuple(x.shape)
    if not rows or all(r is None for r in rows):
        return Tensor(np.zeros(shape, dtype=x.dtype))
    if create_graph:
        filled = [r if r is not None else Tensor(np.zeros(x.shape, dtype=x.dtype)) for r in rows]
        return stack(filled, axis=0).reshape(shape)
    jac = np.zeros((len(rows), *x.shape), dtype=x.dtype)
    for k, r in enumerate(rows):
        if r is not None:
            jac[k] = r.data
    return Tensor(jac.reshape(shape))


def _jacobian_full(
    f: Callable[..., Any], inputs: Any, create_graph: bool, strict: bool, fn_name: str
) -> tuple[bool, bool, tuple[Tensor, ...], list[list[Tensor]]]:
    """Jacobian in normalised form: flags, outputs and ``J[output][input]``."""
    in_tuple, xs = _prepare_inputs(inputs, create_graph, fn_name)
    out_tuple, outs = _call(f, xs, fn_name)
    jac = _jacobian_rows(outs, xs, create_graph, strict, fn_name)
    return in_tuple, out_tuple, outs, jac


# For type checkers: one Tensor in and out gives a Tensor; a tuple of inputs a
# tuple; anything else (several outputs) is left to the caller to unpack.
@overload
def jacobian(
    f: Callable[..., Tensor], inputs: Tensor, create_graph: bool = ..., strict: bool = ...
) -> Tensor: ...
@overload
def jacobian(
    f: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    create_graph: bool = ...,
    strict: bool = ...,
) -> tuple[Tensor, ...]: ...
@overload
def jacobian(
    f: Callable[..., Any], inputs: TensorOrTensors, create_graph: bool = ..., strict: bool = ...
) -> Any: ...
def jacobian(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    """Jacobian of ``f`` at ``inputs``, by reverse mode.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate. Their ``requires_grad``
        does not matter; they are not modified.
    create_graph : bool, default False
        Record the computation so that the result can be differentiated again
        (with respect to the inputs that require grad).
    strict : bool, default False
        Raise if an output does not depend on any input or an input does not
        influence any output, instead of returning zeros for it.

    Returns
    -------
    Tensor, tuple of Tensor, or tuple of tuples of Tensor
        For an output of shape ``O`` and an input of shape ``I``, a Tensor of
        shape ``O + I`` and the input's dtype. With several outputs and several
        inputs, ``result[i][j]`` is output ``i`` with respect to input ``j``.

    Notes
    -----
    Costs one forward pass plus one backward pass per output element. For a
    scalar loss that is a single backward pass; for ``n`` outputs it is ``n``.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.functional import jacobian
    >>> x = Tensor([1.0, 2.0])
    >>> jacobian(lambda x: x * x, x).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    in_tuple, out_tuple, _, jac = _jacobian_full(f, inputs, create_graph, strict, "jacobian")
    return _unpack([_unpack(row, in_tuple) for row in jac], out_tuple)


@overload
def hessian(
    f: Callable[..., Tensor], inputs: Tensor, create_graph: bool = ..., strict: bool = ...
) -> Tensor: ...
@overload
def hessian(
    f: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    create_graph: bool = ...,
    strict: bool = ...,
) -> tuple[tuple[Tensor, ...], ...]: ...
def hessian(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    """Hessian of a scalar function ``f`` at ``inputs``.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a single Tensor with one element.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate.
    create_graph : bool, default False
        Record the computation so that the result can be differentiated again.
    strict : bool, default False
        As in :func:`jacobian`.

    Returns
    -------
    Tensor or tuple of tuples of Tensor
        For one input of shape ``I``, a Tensor of shape ``I + I``; for several,
        ``result[i][j]`` of shape ``I_i + I_j`` holds ``d2 f / dx_i dx_j``.

    Notes
    -----
    The Jacobian of the gradient: the gradient is computed with
    ``create_graph=True`` and then differentiated once per element.
    """

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        out = _single_scalar(f, xs, "hessian")
        gs = _grad([out], xs, [Tensor(np.ones((), dtype=out.dtype))], create_graph=True)
        if strict:
            for j, g in enumerate(gs):
                if g is None:
                    raise RuntimeError(
                        f"hessian (strict=True): the output does not depend on input {j}"
                    )
        return tuple(_finish(g, x, True) for g, x in zip(gs, xs))

    in_tuple, _, _, jac = _jacobian_full(gradient, inputs, create_graph, strict, "hessian")
    return _unpack([_unpack(row, in_tuple) for row in jac], in_tuple)


def _single_scalar(f: Callable[..., Any], xs: Sequence[Tensor], fn_name: str) -> Tensor:
    with enable_grad():
        out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"{fn_name}: f must return a single Tensor with one element, got {type(out).__name__}"
        )
    if out.size != 1:
        raise ValueError(
            f"{fn_name}: f must return a Tensor with exactly one element, got shape {out.shape}"
        )
    return out.reshape(()) if out.shape != () else out


# ---------------------------------------------------------------------------
# Products with vectors
# ---------------------------------------------------------------------------


def vjp(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Vector-Jacobian product ``v^T J`` (one backward pass).

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate.
    v : Tensor or tuple of Tensor, optional
        One entry per output, of the output's shape. May be omitted when every
        output has a single element (then it is 1).
    create_graph : bool, default False
        Record the computation so that the result can be differentiated again.
    strict : bool, default False
        Raise if an input does not influence the outputs instead of returning zeros.

    Returns
    -------
    (output, vjp)
        ``f``'s output (detached unless ``create_graph``) and ``v^T J``, one
        Tensor per input with the input's shape.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.functional import vjp
    >>> out, g = vjp(lambda x: 3 * x, Tensor([1.0, 2.0]), Tensor([1.0, 10.0]))
    >>> g.tolist()
    [3.0, 30.0]
    """
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "vjp")
    out_tuple, outs = _call(f, xs, "vjp")
    vs = _as_vectors(v, outs, "outputs", "vjp")
    gs = _grad(outs, xs, vs, create_graph)
    _check_strict(gs, strict, "vjp")
    product = [_finish(g, x, create_graph) for g, x in zip(gs, xs)]
    outputs = [o if create_graph else o.detach() for o in outs]
    return _unpack(outputs, out_tuple), _unpack(product, in_tuple)


def _check_strict(gs: Sequence[Tensor | None], strict: bool, fn_name: str) -> None:
    if strict:
        for j, g in enumerate(gs):
            if g is None:
                raise RuntimeError(
                    f"{fn_name} (strict=True): the outputs do not depend on input {j}"
                )


def _double_vjp(
    ys: Sequence[Tensor],
    xs: Sequence[Tensor],
    vs: Sequence[Tensor],
    create_graph: bool,
) -> tuple[Tensor | None, ...]:
    """``J v`` for ``J = dys/dxs``, with two reverse passes.

    ``g(u) = J^T u`` is linear in ``u``; its vector-Jacobian product with ``v`` is
    ``J v``. The first pass is recorded (``create_graph=True``) so that it can be
    differentiated with respect to the dummy ``u``.
    """
    us = [Tensor(np.zeros(y.shape, dtype=y.dtype), requires_grad=True) for y in ys]
    gs = _grad(ys, xs, us, create_graph=True)
    pairs = [(g, v) for g, v in zip(gs, vs) if g is not None]
    if not pairs:
        return (None,) * len(ys)
    return _grad([g for g, _ in pairs], us, [v for _, v in pairs], create_graph)


def jvp(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Jacobian-vector product ``J v`` (two backward passes, double-VJP trick).

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate.
    v : Tensor or tuple of Tensor, optional
        One entry per input, of the input's shape. May be omitted when every
        input has a single element (then it is 1).
    create_graph : bool, default False
        Record the computation so that the result can be differentiated again.
    strict : bool, default False
        Raise if an output does not depend on the inputs instead of returning zeros.

    Returns
    -------
    (output, jvp)
        ``f``'s output (detached unless ``create_graph``) and ``J v``, one Tensor
        per output with the output's shape.

    Notes
    -----
    Needs every operation's backward to be differentiable, which holds for the
    engine's operations (their derivative rules are written with Tensor ops).
    """
    _, xs = _prepare_inputs(inputs, create_graph, "jvp")
    out_tuple, outs = _call(f, xs, "jvp")
    vs = _as_vectors(v, xs, "inputs", "jvp")
    # Integer or boolean outputs carry no gradient: they get a zero product.
    floats = [k for k, o in enumerate(outs) if _is_float(o)]
    prods = dict(zip(floats, _double_vjp([outs[k] for k in floats], xs, vs, create_graph)))
    result = []
    for k, o in enumerate(outs):
        p = prods.get(k)
        if p is None and strict:
            raise RuntimeError(f"jvp (strict=True): output {k} does not depend on the inputs")
        like = o if _is_float(o) else Tensor(np.zeros(o.shape, dtype=xs[0].dtype))
        result.append(_finish(p, like, create_graph))
    outputs = [o if create_graph else o.detach() for o in outs]
    return _unpack(outputs, out_tuple), _unpack(result, out_tuple)


def vhp(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """Vector-Hessian product ``v^T H`` of a scalar function (two backward passes).

    Parameters and returns as in :func:`hvp`. For a twice continuously
    differentiable ``f`` the Hessian is symmetric and ``vhp`` equals ``hvp``
    at a lower cost.
    """
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "vhp")
    out = _single_scalar(f, xs, "vhp")
    vs = _as_vectors(v, xs, "inputs", "vhp")
    gs = _grad([out], xs, [Tensor(np.ones((), dtype=out.dtype))], create_graph=True)
    pairs = [(g, vk) for g, vk in zip(gs, vs) if g is not None]
    prods = _grad([g for g, _ in pairs], xs, [vk for _, vk in pairs], create_graph)
    _check_strict(prods, strict, "vhp")
    product = [_finish(p, x, create_graph) for p, x in zip(prods, xs)]
    return (out if create_graph else out.detach()), _unpack(product, in_tuple)


def hvp(
    f: Callable[..., Any],
    inputs: TensorOrTensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """Hessian-vector product ``H v`` of a scalar function.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor with one element.
    inputs : Tensor or tuple of Tensor
        Floating-point points at which to differentiate.
    v : Tensor or tuple of Tensor
        One entry per input, of the input's shape (may be omitted only for a
        single one-element input).
    create_graph : bool, default False
        Record the computation so that the result can be differentiated again.
    strict : bool, default False
        Raise if the product does not depend on an input instead of returning zeros.

    Returns
    -------
    (output, hvp)
        ``f``'s output (detached unless ``create_graph``) and ``H v``, one Tensor
        per input with the input's shape.

    Notes
    -----
    ``H v`` is the Jacobian-vector product of the gradient, computed with the
    double-VJP trick: three backward passes. When the Hessian is symmetric
    (``f`` twice continuously differentiable), :func:`vhp` gives the same
    result with two.
    """
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "hvp")
    out = _single_scalar(f, xs, "hvp")
    vs = _as_vectors(v, xs, "inputs", "hvp")
    gs = _grad([out], xs, [Tensor(np.ones((), dtype=out.dtype))], create_graph=True)
    # H v is the Jacobian-vector product of the gradient: (H v)_i = sum_j H_ij v_j.
    # A missing gradient is a constant zero, which _grad leaves out.
    gs_full = [_finish(g, x, True) for g, x in zip(gs, xs)]
    prods = _double_vjp(gs_full, xs, vs, create_graph)
    _check_strict(prods, strict, "hvp")
    product = [_finish(p, x, create_graph) for p, x in zip(prods, xs)]
    return (out if create_graph else out.detach()), _unpack(product, in_tuple)

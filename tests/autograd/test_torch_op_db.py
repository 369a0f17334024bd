"""scratchgrad against PyTorch on PyTorch's own sample inputs (its op database).

PyTorch describes each of its operators by an ``OpInfo`` in
``torch.testing._internal.common_methods_invocations.op_db``, with a generator
of sample inputs chosen by its authors: broadcasting, empty and 0-d tensors,
non-contiguous views, keyword variants. Every op name there with a
same-named scratchgrad counterpart (a Tensor method, an ``autograd``
function, ``autograd.linalg.X`` or ``nn.functional.X``) is run here on those
samples, in float64 (values, dtype and gradients) and float32 (values and
dtype), and compared with PyTorch.

How a sample is judged, in order:

- it cannot be expressed with scratchgrad's arguments (``out=``, ``memory_format=``,
  complex numbers, generators...): counted with the reason; ``device="cpu"`` and
  the like, scratchgrad's only choice, are dropped instead;
- ``UNSUPPORTED`` (an argument scratchgrad does not take) and ``REFUSED`` (a
  documented refusal where PyTorch returns something): run, and it must raise;
- ``DIFFERS`` and ``ROW_DIFFERS`` (a documented convention, the latter the op
  table's ``torch_differs``, at NaN or inf): counted, not compared;
- otherwise compared: every output's value (the dtype's rounding allowed, NaN
  equal to NaN; a float32 value closer to PyTorch's float64 result than its
  float32 one passes), dtype and shape, and in float64 the gradients of
  ``sum(out * cotangent)`` with respect to every input that requires grad.
  ``GAUGE`` puts eigen- and singular vectors in one sign convention first,
  ``OUTPUTS`` leaves out the results PyTorch's chosen LAPACK driver does not
  compute, ``RANDOM`` ops compare shape and dtype only, and PyTorch runs with
  scratchgrad's default dtype (float64) for results made from Python numbers.

An op none of whose samples is compared is skipped with the counted reasons;
the counts of every op are in the test report (``record_property``).

By default the first ``DEFAULT_SAMPLES`` samples of each op and dtype run;
``HYPOTHESIS_PROFILE=thorough`` (or ``SCRATCHGRAD_OPDB_SAMPLES=all``) runs all.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

torch = pytest.importorskip("torch", reason="PyTorch is the oracle of these tests")
pytest.importorskip("expecttest", reason="PyTorch's op database imports expecttest")

from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402

# Importing PyTorch's test utilities loads its own hypothesis profile for the
# whole process: restore ours, as tests/conftest.py chose it.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

import autograd  # noqa: E402
import autograd.linalg  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd import Tensor  # noqa: E402
from tests.autograd.op_table import OPS as ALL_ROWS  # noqa: E402

DEFAULT_SAMPLES = 8


def _sample_limit() -> int | None:
    env = os.environ.get("SCRATCHGRAD_OPDB_SAMPLES")
    if env:
        return None if env == "all" else int(env)
    if os.environ.get("HYPOTHESIS_PROFILE") == "thorough":
        return None
    return DEFAULT_SAMPLES


class Unmappable(Exception):
    """A sample whose arguments scratchgrad's API has no way to express."""


_DTYPES = {
    torch.float64: np.float64,
    torch.float32: np.float32,
    torch.float16: np.float16,
    torch.int64: np.int64,
    torch.int32: np.int32,
    torch.int16: np.int16,
    torch.int8: np.int8,
    torch.uint8: np.uint8,
    torch.bool: np.bool_,
}

# Keyword arguments that only make sense for PyTorch's memory model or devices.
_TORCH_ONLY_KWARGS = {
    "out": "out= (no output arrays)",
    "memory_format": "memory_format= (no memory formats)",
    "device": "device= (CPU only)",
    "layout": "layout= (dense only)",
    "pin_memory": "pin_memory=",
    "generator": "a torch.Generator",
    "non_blocking": "non_blocking=",
    "copy": "copy=",
}


def _np_dtype(d: Any) -> Any:
    if d.is_complex:
        raise Unmappable("complex dtype")
    if d not in _DTYPES:
        raise Unmappable(f"dtype {d}")
    return _DTYPES[d]


def _to_sg(x: Any, leaves: list[tuple[Any, Tensor]]) -> Any:
    """torch values (nested) -> scratchgrad values; tensors needing grad recorded in leaves."""
    if isinstance(x, torch.Tensor):
        if x.is_complex():
            raise Unmappable("complex tensor")
        if x.layout != torch.strided:
            raise Unmappable("sparse tensor")
        dt = _np_dtype(x.dtype)
        arr = x.detach().numpy().astype(dt, copy=True)
        t = Tensor(arr, requires_grad=bool(x.requires_grad))
        if x.requires_grad:
            leaves.append((x, t))
        return t
    if isinstance(x, torch.dtype):
        return _np_dtype(x)
    if isinstance(x, torch.Size):
        return tuple(x)
    if isinstance(x, torch.Generator):
        raise Unmappable("a torch.Generator")
    if isinstance(x, (torch.device, torch.memory_format, torch.layout)):
        raise Unmappable(f"a torch.{type(x).__name__}")
    if isinstance(x, complex):
        raise Unmappable("complex scalar")
    if isinstance(x, tuple):
        return tuple(_to_sg(v, leaves) for v in x)
    if isinstance(x, list):
        return [_to_sg(v, leaves) for v in x]
    if isinstance(x, dict):
        return {k: _to_sg(v, leaves) for k, v in x.items()}
    if x is None or isinstance(x, (bool, int, float, str, slice, type(Ellipsis))):
        return x
    if isinstance(x, np.ndarray):
        return x
    raise Unmappable(f"argument of type {type(x).__name__}")


# ---------------------------------------------------------------------------
# op_db name -> scratchgrad callable, called as f(input, *args, **kwargs)
# ---------------------------------------------------------------------------


def _method(name: str) -> Callable[..., Any]:
    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(x, Tensor):
            raise Unmappable("the input is not a tensor")
        return getattr(x, name)(*args, **kwargs)

    call.__name__ = f"Tensor.{name}"
    return call


# op_db entries (``name`` or ``name.variant``) whose ``op`` calls something else
# than torch.NAME(input, *args, **kwargs): the same call on scratchgrad's side.
ADAPTERS: dict[str, Callable[..., Any]] = {
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "where": lambda x, condition, other: autograd.where(condition, x, other),
    "polygamma": lambda x, n: autograd.polygamma(n, x),
    "special.polygamma": lambda x, n: autograd.polygamma(n, x),
    "einsum": lambda tensors, equation: autograd.einsum(equation, *tensors),
    "zero_": lambda x: x.clone().zero_(),
    "nn.functional.embedding": lambda weight, idx, **kw: F.embedding(idx, weight, **kw),
    "linalg.pinv.singular": lambda a, b: autograd.linalg.pinv(a @ b.mT),
    "linalg.lstsq.grad_oriented": lambda a, b, driver: autograd.linalg.lstsq(a, b, driver=driver)[
        :2
    ],
}


def _label(op: Any) -> str:
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


def resolve_op(op: Any) -> Callable[..., Any] | None:
    """scratchgrad's counterpart of one OpInfo (an adapter, else by name)."""
    label = _label(op)
    if label in ADAPTERS:
        return ADAPTERS[label]
    return resolve(op.name)


def resolve(name: str) -> Callable[..., Any] | None:
    """scratchgrad's same-named counterpart of an op_db name, or None."""
    if name in ADAPTERS:
        return ADAPTERS[name]
    if name.startswith("linalg."):
        return getattr(autograd.linalg, name.split(".", 1)[1], None)
    if name.startswith("nn.functional."):
        return getattr(F, name.split(".", 2)[2], None)
    if name.startswith("special."):
        return getattr(autograd, name.split(".", 1)[1], None)
    function = getattr(autograd, name, None)
    if function is not None and callable(function) and hasattr(torch, name):
        return function
    if hasattr(Tensor, name):
        return _method(name)
    return function if callable(function) else None


OPS = [op for op in op_db if resolve(op.name) is not None]
NAMES = sorted({op.name for op in OPS})


# ---------------------------------------------------------------------------
# Deliberate differences, by op name
# ---------------------------------------------------------------------------

# Ops whose values are random or uninitialised: shape and dtype are compared.
RANDOM = {
    "empty": "uninitialised memory",
    "empty_like": "uninitialised memory",
    "rand_like": "random values (a different generator)",
    "randn_like": "random values (a different generator)",
    "randint": "random values (a different generator)",
    "randn": "random values (a different generator)",
    "nn.functional.dropout": "random mask (a different generator)",
    "nn.functional.dropout2d": "random mask (a different generator)",
}


def _kw(key: str, test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda s: key in s.kwargs and test(s.kwargs[key])


def _p_not_positive(s: Any) -> bool:
    p = s.kwargs.get("p", 2.0)
    return p <= 0


def _cat_legacy_empty(s: Any) -> bool:
    ts = s.input
    return any(t.shape == (0,) for t in ts) and any(t.dim() > 1 for t in ts)


def _negative_pad(s: Any) -> bool:
    mode = s.args[1] if len(s.args) > 1 else s.kwargs.get("mode", "constant")
    return mode in ("reflect", "replicate", "circular") and min(s.args[0]) < 0


def _tensordot_broadcast(s: Any) -> bool:
    dims = s.kwargs.get("dims", s.args[1] if len(s.args) > 1 else 2)
    if isinstance(dims, int):
        return False
    a, b = s.input, s.args[0]
    return any(a.shape[i] != b.shape[j] for i, j in zip(*dims))


def _repeated_extreme_singular_value(s: Any) -> bool:
    ord_ = s.args[0] if s.args else s.kwargs.get("ord")
    if ord_ not in (2, -2) or s.input.dim() < 2 or s.input.numel() == 0:
        return False
    sv = torch.linalg.svdvals(s.input.detach())
    pair = sv[..., :2] if ord_ == 2 else sv[..., -2:]
    return pair.shape[-1] == 2 and bool(((pair[..., 0] - pair[..., 1]).abs() < 1e-12).any())


# name -> [(predicate on the torch sample, reason)]: arguments scratchgrad does not
# take (it raises a clear error naming them); the samples are counted, not compared.
UNSUPPORTED: dict[str, list[tuple[Callable[[Any], bool], str]]] = {
    "nn.functional.interpolate": [
        (_kw("recompute_scale_factor", lambda v: True), "recompute_scale_factor="),
        (
            _kw("mode", lambda v: v not in ("nearest", "linear", "bilinear")),
            "modes other than nearest, linear and bilinear",
        ),
        (lambda s: s.input.dim() == 5, "5-D (volumetric) inputs"),
    ],
    "nn.functional.embedding": [
        (_kw("max_norm", lambda v: v is not None), "max_norm= (renormalises the weight in place)"),
        (_kw("scale_grad_by_freq", bool), "scale_grad_by_freq="),
        (_kw("sparse", bool), "sparse= (dense gradients only)"),
    ],
    "scatter": [(_kw("reduce", lambda v: True), "reduce= (deprecated; use scatter_reduce)")],
    "quantile": [
        (_kw("interpolation", lambda v: v != "linear"), "interpolation other than 'linear'")
    ],
    "nn.functional.avg_pool2d": [
        (lambda s: (len(s.args) > 3 and s.args[3]) or s.kwargs.get("ceil_mode"), "ceil_mode=True")
    ],
    "to": [
        (
            lambda s: any(isinstance(a, bool) for a in s.args),
            "non_blocking and copy (the positional form to(device, dtype, non_blocking, copy))",
        )
    ],
    "norm": [
        (
            lambda s: "nuc" in s.args or s.kwargs.get("p") == "nuc",
            "p='nuc' (use autograd.linalg.matrix_norm)",
        )
    ],
}

# name -> [(predicate on the torch sample, reason)]: documented, deliberate refusals
# where PyTorch returns something (NumPy's rules, mostly). Like UNSUPPORTED, each
# such sample is run and must raise: a refusal never hides a number.
REFUSED: dict[str, list[tuple[Callable[[Any], bool], str]]] = {
    "cat": [
        (
            _cat_legacy_empty,
            "PyTorch's legacy skip of 1-D empty tensors among tensors of "
            "higher rank is not followed: every input needs the same rank (NumPy)",
        )
    ],
    "gather": [
        (
            lambda s: s.args[1].dim() != s.input.dim() and s.input.dim() > 0,
            "the index needs as many dims as the input (NumPy's take_along_axis); PyTorch "
            "also takes an empty index of another rank",
        )
    ],
    "tensordot": [
        (
            _tensordot_broadcast,
            "contracted dims must have equal sizes (NumPy); PyTorch "
            "broadcasts a size-1 dim against a larger one",
        )
    ],
    "nn.functional.batch_norm": [
        (
            lambda s: s.input.dim() < 2,
            "the input must be (N, C, ...); PyTorch also takes a 1-D input",
        )
    ],
    "nn.functional.normalize": [(_p_not_positive, "p <= 0 is not a norm and is refused")],
    "nn.functional.pairwise_distance": [(_p_not_positive, "p <= 0 is not a norm and is refused")],
    "nn.functional.pad": [
        (_negative_pad, "negative reflect/replicate/circular padding (cropping) is refused")
    ],
}

# name -> [(predicate on the torch sample, reason)]: documented, deliberate differences
# in the numbers (conventions where the maths leaves a choice); counted, not compared.
DIFFERS: dict[str, list[tuple[Callable[[Any], bool], str]]] = {
    "nn.functional.scaled_dot_product_attention": [
        (_kw("dropout_p", lambda v: v > 0), "dropout_p > 0 draws a random mask (another generator)")
    ],
    "linalg.norm": [
        (
            _repeated_extreme_singular_value,
            "at a repeated largest (smallest) singular value, "
            "A = 0 included, the 2-norm (-2) has no derivative and the subgradient picked "
            "differs from PyTorch's",
        ),
    ],
}


def _tensors(x: Any) -> list[Any]:
    if isinstance(x, torch.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _tensors(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _tensors(v)]
    return []


def _holds(kind: str) -> Callable[[Any], bool]:
    """The sample's floating tensors hold NaN (``"nan"``) or any non-finite value."""
    test = torch.isnan if kind == "nan" else (lambda t: ~torch.isfinite(t))

    def holds(s: Any) -> bool:
        ts = _tensors([s.input, s.args, s.kwargs])
        return any(t.dtype.is_floating_point and bool(test(t.detach()).any()) for t in ts)

    return holds


def _row_reason(row: str) -> str:
    return next(spec.torch_differs for spec in ALL_ROWS if spec.name == row)


# op_db name -> (op-table row, where): the differences from PyTorch the rows already
# document (their ``torch_differs``), at NaN or at any non-finite value.
ROW_DIFFERS = {
    "maximum": ("maximum", "nan"),
    "minimum": ("minimum", "nan"),
    "max": ("max", "nan"),
    "amax": ("max", "nan"),
    "min": ("min", "nan"),
    "amin": ("min", "nan"),
    "aminmax": ("aminmax", "nan"),
    "polygamma": ("polygamma", "nonfinite"),
    "special.polygamma": ("polygamma", "nonfinite"),
    "nn.functional.hardtanh": ("hardtanh", "nan"),
    "nn.functional.relu6": ("relu6", "nan"),
    "cumprod": ("cumprod", "nonfinite"),
    "nansum": ("nansum_nanmean", "nan"),
    "nanmean": ("nansum_nanmean", "nan"),
    "median": ("median", "nan"),
    "nanmedian": ("nanmedian", "nan"),
    "quantile": ("quantile", "nan"),
    "linalg.matrix_norm": ("linalg_matrix_norm_sums", "nan"),
    "linalg.norm": ("linalg_matrix_norm_sums", "nan"),
}
for _name, (_row, _where) in ROW_DIFFERS.items():
    DIFFERS.setdefault(_name, []).append((_holds(_where), _row_reason(_row)))

# name -> (how many leading outputs are compared, given the sample; reason): outputs
# left out where scratchgrad documents that it computes more than PyTorch's driver.
OUTPUTS: dict[str, tuple[Callable[[Any], int | None], str]] = {
    "linalg.lstsq": (
        lambda s: {"gels": 2, "gelsy": 1}.get(s.kwargs.get("driver")),
        "residuals, rank and singular_values are always computed; PyTorch's gels driver "
        "returns rank and singular values empty, gelsy the residuals too",
    ),
}


def _column_signs(t_vecs: Any, s_vecs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Signs making each column's largest (in torch's result) entry positive in both."""
    tv, sv = t_vecs.detach().numpy(), np.asarray(s_vecs)
    if tv.size == 0:
        shape = (*tv.shape[:-2], 1, tv.shape[-1])
        return np.ones(shape), np.ones(shape)
    at = np.argmax(np.abs(tv), axis=-2)[..., None, :]
    st = np.sign(np.take_along_axis(tv, at, -2))
    ss = np.sign(np.take_along_axis(sv, at, -2))
    return np.where(st == 0, 1.0, st), np.where(ss == 0, 1.0, ss)


def _eigh_gauge(t: list[Any], s: list[Any]) -> tuple[list[Any], list[Any]]:
    st, ss = _column_signs(t[1], s[1])
    return [t[0], t[1] * torch.from_numpy(st)], [s[0], s[1] * Tensor(ss)]


def _svd_gauge(t: list[Any], s: list[Any]) -> tuple[list[Any], list[Any]]:
    if len(t) == 1:  # svdvals
        return t, s
    k = t[1].shape[-1]
    tu, su = t[0][..., :k], s[0][..., :k]
    tv, sv = t[2][..., :k, :], s[2][..., :k, :]
    st, ss = _column_signs(tu, su)
    return (
        [tu * torch.from_numpy(st), t[1], tv * torch.from_numpy(st).mT],
        [su * Tensor(ss), s[1], sv * Tensor(ss).mT],
    )


# Decompositions whose vectors are defined up to sign (and, for full_matrices=True,
# the columns beyond the rank up to a rotation): both results are put in one gauge,
# the columns beyond the rank left out, before values and gradients are compared.
GAUGE: dict[str, Callable[[list[Any], list[Any]], tuple[list[Any], list[Any]]]] = {
    "linalg.eigh": _eigh_gauge,
    "linalg.svd": _svd_gauge,
}

# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


def _flat(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _flat(o)]
    return [out]


def _tol(dtype: Any) -> dict[str, float]:
    if dtype == np.float32:
        return {"rtol": 2e-5, "atol": 2e-5}
    if dtype == np.float16:
        return {"rtol": 1e-3, "atol": 1e-3}
    return {"rtol": 1e-7, "atol": 1e-9}


@contextlib.contextmanager
def _torch_default_dtype() -> Iterator[None]:
    """torch with scratchgrad's default float dtype (float64), for results made from numbers."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if autograd.get_default_dtype() == np.float64 else saved)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


def _in_float64(op: Any, inp: Any, args: Any, kwargs: Any) -> list[Any]:
    """torch's outputs with every float32 tensor argument computed in float64."""

    def up(x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return x.detach().double() if x.dtype == torch.float32 else x.detach()
        if isinstance(x, (tuple, list)):
            return type(x)(up(v) for v in x)
        if isinstance(x, dict):
            return {k: up(v) for k, v in x.items()}
        return x

    kw = {k: (torch.float64 if v is torch.float32 else v) for k, v in up(kwargs).items()}
    with _torch_default_dtype(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _flat(op.op(up(inp), *up(args), **kw))


def _values(
    t_list: list[Any],
    s_list: list[Any],
    where: str,
    random: bool,
    exact: Callable[[], list[Any]],
) -> list[tuple[Any, Any]]:
    """Compare flat outputs; return the (torch, scratchgrad) pairs that are tensors.

    A float32 result that misses torch's float32 one is compared again with torch's
    float64 computation on the same inputs: scratchgrad may round better than torch.
    """
    assert len(t_list) == len(s_list), f"{where}: {len(s_list)} outputs, torch {len(t_list)}"
    pairs = []
    for i, (a, b) in enumerate(zip(t_list, s_list)):
        at = f"{where}, output {i}"
        if isinstance(a, torch.Tensor):
            assert isinstance(b, Tensor), f"{at}: got {type(b).__name__}, torch a tensor"
            expected = a.detach().numpy()
            got = np.asarray(b)
            assert got.dtype == _np_dtype(a.dtype), f"{at}: dtype {got.dtype}, torch {a.dtype}"
            assert got.shape == expected.shape, f"{at}: shape {got.shape}, torch {expected.shape}"
            if not random:
                try:
                    np.testing.assert_allclose(
                        got, expected, equal_nan=True, err_msg=at, **_tol(got.dtype)
                    )
                except AssertionError:
                    if got.dtype != np.float32:
                        raise
                    better = exact()[i].numpy()
                    np.testing.assert_allclose(
                        got, better, equal_nan=True, err_msg=f"{at} (vs float64)", **_tol(got.dtype)
                    )
            pairs.append((a, b))
        else:
            got = b.item() if isinstance(b, Tensor) else b
            if not random:
                np.testing.assert_allclose(
                    np.asarray(got), np.asarray(a), equal_nan=True, err_msg=at
                )
    return pairs


def _gradients(pairs: list[tuple[Any, Any]], leaves: list[tuple[Any, Tensor]], where: str) -> bool:
    """Gradients of sum(out * cotangent) over every float output; False if none applies."""
    rng = np.random.default_rng(0)
    t_loss, s_loss = None, None
    for a, b in pairs:
        if not a.dtype.is_floating_point or not a.requires_grad:
            continue
        c = rng.standard_normal(tuple(a.shape))
        tl = (a * torch.from_numpy(c)).sum()
        sl = (b * Tensor(c)).sum()
        t_loss = tl if t_loss is None else t_loss + tl
        s_loss = sl if s_loss is None else s_loss + sl
    if t_loss is None or not leaves:
        return False
    t_grads = torch.autograd.grad(t_loss, [t for t, _ in leaves], allow_unused=True)
    if not s_loss.requires_grad:
        s_grads: tuple[Any, ...] = (None,) * len(leaves)
    else:
        s_grads = autograd.grad(s_loss, [s for _, s in leaves], allow_unused=True)
    for i, ((t_in, _), tg, sg) in enumerate(zip(leaves, t_grads, s_grads)):
        zero = tg is None or tg._is_zerotensor()
        expected = np.zeros(tuple(t_in.shape)) if zero else tg.numpy()
        got = np.zeros(tuple(t_in.shape)) if sg is None else np.asarray(sg)
        np.testing.assert_allclose(
            got,
            expected,
            equal_nan=True,
            err_msg=f"{where}, gradient of input {i}",
            rtol=1e-6,
            atol=1e-8,
        )
    return True


def _leaf_copy(x: Any) -> Any:
    """The sample's tensors as fresh leaves (torch's generators may hand out views)."""
    if isinstance(x, torch.Tensor):
        y = x.detach().clone() if not x.requires_grad else x.detach().clone().requires_grad_()
        return y
    if isinstance(x, tuple):
        return tuple(_leaf_copy(v) for v in x)
    if isinstance(x, list):
        return [_leaf_copy(v) for v in x]
    if isinstance(x, dict):
        return {k: _leaf_copy(v) for k, v in x.items()}
    return x


def _dtypes(op: Any) -> list[Any]:
    """float64 and float32 where torch supports them; else int64 or bool (values only)."""
    supported = op.supported_dtypes("cpu")
    floats = [d for d in (torch.float64, torch.float32) if d in supported]
    if floats:
        return floats
    return [d for d in (torch.int64, torch.bool) if d in supported][:1]


def run_op(
    name: str, limit: int | None, errors: list[str] | None = None
) -> tuple[int, int, Counter[str]]:
    """Compare every OpInfo of ``name``: (samples compared, with gradients, skip reasons).

    A mismatch raises, or is appended to ``errors`` (then every sample runs).
    """
    compared, with_grad, skipped = 0, 0, Counter()
    for op in (o for o in OPS if o.name == name):
        fn = resolve_op(op)
        assert fn is not None
        label = _label(op)
        for dtype in _dtypes(op):
            grad = dtype == torch.float64 and op.supports_autograd and name not in RANDOM
            torch.manual_seed(0)
            with warnings.catch_warnings():  # PyTorch's own deprecation notices
                warnings.simplefilter("ignore")
                # The generator itself: op.sample_inputs wraps it in an iterator that
                # inspects the whole call stack per call, seconds under pytest.
                generated = op.sample_inputs_func(op, "cpu", dtype, grad)
                samples = list(itertools.islice(generated, limit))
            for k, sample in enumerate(samples):
                where = f"{label} {dtype} sample {k}: {sample.summary()}"
                try:
                    outcome = _run_sample(label, op, fn, sample, grad, where)
                except Exception as e:
                    if errors is None:
                        raise
                    errors.append(f"{where}: {type(e).__name__}: {e}")
                    continue
                if outcome in (None, "grad"):
                    compared += 1
                    with_grad += outcome == "grad"
                else:
                    skipped[outcome] += 1
    return compared, with_grad, skipped


# Keyword values that state scratchgrad's only choice: dropped before the call.
_DEFAULTS = {
    "device": ("cpu",),
    "layout": (torch.strided,),
    "pin_memory": (False,),
    "memory_format": (torch.preserve_format,),
}


def _run_sample(
    label: str,
    op: Any,
    fn: Callable[..., Any],
    sample: Any,
    grad: bool,
    where: str,
) -> str | None:
    kwargs = {
        k: v
        for k, v in sample.kwargs.items()
        if not (k in _DEFAULTS and any(v == d or str(v) == d for d in _DEFAULTS[k]))
    }
    for key, reason in _TORCH_ONLY_KWARGS.items():
        if key in kwargs:
            return f"unsupported argument: {reason}"
    refused = [f"unsupported argument: {r}" for a, r in UNSUPPORTED.get(op.name, []) if a(sample)]
    refused += [f"documented refusal: {r}" for a, r in REFUSED.get(op.name, []) if a(sample)]
    for applies, reason in DIFFERS.get(op.name, []):
        if applies(sample):
            return f"documented difference: {reason}"
    inp = _leaf_copy(sample.input)
    args = _leaf_copy(tuple(sample.args))
    kwargs = _leaf_copy(kwargs)
    leaves: list[tuple[Any, Tensor]] = []
    try:
        s_inp = _to_sg(inp, leaves)
        s_args = _to_sg(args, leaves)
        s_kwargs = _to_sg(kwargs, leaves)
    except Unmappable as e:
        return f"unsupported argument: {e}"
    if refused:
        try:
            fn(s_inp, *s_args, **s_kwargs)
        except (TypeError, ValueError, IndexError, NotImplementedError, RuntimeError):
            return refused[0]
        raise AssertionError(f"{where}: listed as refused ({refused[0]}) but ran: compare it")
    with _torch_default_dtype(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's notices (deprecations, dof <= 0)
        t_out = op.op(inp, *args, **kwargs)
    try:
        s_out = fn(s_inp, *s_args, **s_kwargs)
    except Unmappable as e:
        return f"unsupported argument: {e}"
    random = op.name in RANDOM
    t_list, s_list = _flat(t_out), _flat(s_out)
    if op.name in OUTPUTS and OUTPUTS[op.name][0](sample) is not None:
        keep = OUTPUTS[op.name][0](sample)
        t_list, s_list = t_list[:keep], s_list[:keep]
    if op.name in GAUGE:
        t_list, s_list = GAUGE[op.name](t_list, s_list)
    pairs = _values(t_list, s_list, where, random, lambda: _in_float64(op, inp, args, kwargs))
    if grad and _gradients(pairs, leaves, where):
        return "grad"
    return None


@pytest.mark.parametrize("name", NAMES)
def test_op_matches_torch_on_its_samples(name: str, record_property: Any) -> None:
    errors: list[str] = []
    compared, with_grad, skipped = run_op(name, _sample_limit(), errors)
    # The counts, in the test report (junit XML): what ran and what could not.
    record_property("compared", compared)
    record_property("gradients_compared", with_grad)
    record_property("not_compared", dict(skipped))
    assert not errors, f"{len(errors)} sample(s) differ from PyTorch:\n" + "\n".join(errors)
    if compared == 0:
        reasons = "; ".join(f"{r} ({n})" for r, n in skipped.most_common())
        pytest.skip(f"no sample of {name} can be expressed: {reasons}")

"""Checking an optimizer state dict completely before any of it is used.

:meth:`nn.optim.Optimizer.load_state_dict` takes state that may come from a
file, so every entry is checked (types, shapes, dtypes, finite values, step
counts, which buffers each optimizer needs) and converted into fresh arrays
here; the optimizer is changed only once everything passed. A state that
loads is one :meth:`step` can use: it cannot fail halfway or silently train
on a scalar where a buffer belongs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor

if TYPE_CHECKING:
    from nn.optim import Optimizer

__all__ = ["check_state_dict", "unusable_state"]

_MAX_STEP = 2**62
_SCALARS = (type(None), bool, int, float, str, np.bool_, np.integer, np.floating)


def _fail(what: str) -> ValueError:
    return ValueError(f"loaded state dict {what}")


def _index(value: Any, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _fail(f"{where} must be an int parameter index, got {type(value).__name__} {value!r}")
    return int(value)


def _hyper(value: Any, where: str) -> Any:
    """A plain copy of one hyperparameter value (numbers, bools, None, str, pairs)."""
    if isinstance(value, (tuple, list)):
        return tuple(_hyper(v, where) for v in value)
    if not isinstance(value, _SCALARS):
        raise _fail(f"has {where} of type {type(value).__name__}; expected a number")
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(f"has {where} = {value}; hyperparameters must be finite")
    return value


def _groups(opt: Optimizer, saved_groups: Any) -> tuple[list[dict], dict[int, Any]]:
    """The new param_groups, and saved index -> (parameter, new group)."""
    if not isinstance(saved_groups, (list, tuple)):
        raise _fail(f"has 'param_groups' of type {type(saved_groups).__name__}, expected a list")
    if len(saved_groups) != len(opt.param_groups):
        raise _fail(
            f"has a different number of parameter groups ({len(saved_groups)}) than the "
            f"optimizer ({len(opt.param_groups)})"
        )
    by_index: dict[int, Any] = {}
    new_groups = []
    for i, (group, saved) in enumerate(zip(opt.param_groups, saved_groups)):
        if not isinstance(saved, Mapping) or "params" not in saved:
            raise _fail(f"has parameter group {i} without a 'params' list")
        indices = saved["params"]
        if not isinstance(indices, (list, tuple)):
            raise _fail(f"has 'params' of group {i} of type {type(indices).__name__}")
        if len(indices) != len(group["params"]):
            raise _fail(
                f"contains a parameter group ({i}) that doesn't match the size of optimizer's "
                f"group: {len(indices)} parameters, expected {len(group['params'])}"
            )
        missing = [k for k in opt.defaults if k not in saved]
        if missing:
            raise _fail(f"has parameter group {i} without the hyperparameter(s) {missing}")
        new = dict(group)
        for key, value in saved.items():
            if key == "params":
                continue
            if not isinstance(key, str):
                raise _fail(f"has a non-str key {key!r} in parameter group {i}")
            new[key] = _hyper(value, f"'{key}' in parameter group {i}")
        for flag in ("nesterov", "amsgrad"):
            if flag in opt.defaults and not isinstance(new[flag], bool):
                raise _fail(f"has '{flag}' = {new[flag]!r} in parameter group {i}; expected a bool")
        try:
            opt._check_group(new)
            if "initial_lr" in new:
                from nn.optim import _check_number

                _check_number(new["initial_lr"], "initial_lr")
        except (TypeError, ValueError) as err:
            raise _fail(f"has an invalid parameter group {i}: {err}") from None
        new["params"] = group["params"]
        for position, (index, p) in enumerate(zip(indices, group["params"])):
            index = _index(index, f"'params'[{position}] of group {i}")
            if index in by_index:
                raise _fail(f"lists parameter index {index} more than once")
            by_index[index] = (p, new)
        new_groups.append(new)
    return new_groups, by_index


def _buffer(value: Any, p: Tensor, where: str, nonnegative: bool) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise _fail(
            f"has {where} of type {type(value).__name__}; expected an array of the "
            f"parameter's shape {p.shape}"
        )
    if value.shape != p.shape:
        raise _fail(f"has {where} of shape {value.shape}, expected the parameter's shape {p.shape}")
    if value.dtype.kind != "f":
        raise _fail(f"has {where} of dtype {value.dtype}, expected a floating-point array")
    with np.errstate(over="ignore"):
        result = np.array(value, dtype=p.dtype, copy=True)
    if not np.isfinite(result).all():
        raise _fail(f"has {where} with NaN or infinite values (in {p.dtype})")
    if nonnegative and (result < 0).any():
        raise _fail(f"has {where} with negative values; it is a running mean of squares")
    return result


def _step(value: Any, where: str) -> int:
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        value = int(value)  # a float count (PyTorch stores one) that is a whole number
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _fail(f"has {where} = {value!r} ({type(value).__name__}); expected an int >= 0")
    if not 0 <= value <= _MAX_STEP:
        raise _fail(f"has {where} = {value}; expected an int from 0 to 2**62")
    return int(value)


def check_state_dict(opt: Optimizer, state_dict: Any) -> tuple[list[dict], dict[Tensor, dict]]:
    """Validate ``state_dict`` for ``opt``; return its new param_groups and state."""
    keys = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else None
    if keys != ["param_groups", "state"]:
        raise ValueError(
            "optimizer state_dict must be a dict with exactly the keys 'state' and "
            f"'param_groups', got {type(state_dict).__name__} with keys {keys}"
        )
    new_groups, by_index = _groups(opt, state_dict["param_groups"])
    saved_state = state_dict["state"]
    if not isinstance(saved_state, Mapping):
        raise _fail(f"has 'state' of type {type(saved_state).__name__}, expected a dict")
    new_state: dict[Tensor, dict[str, Any]] = {}
    for key, saved in saved_state.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise _fail(f"has state for parameter {key!r}, which is not an int index")
        if int(key) not in by_index:
            raise _fail(
                f"has state for parameter {key!r}, which no parameter group lists "
                f"(indices: {sorted(by_index)[:20]})"
            )
        p, group = by_index[int(key)]
        if not isinstance(saved, Mapping):
            raise _fail(f"has state of parameter {key} of type {type(saved).__name__}")
        required, allowed = opt._state_keys(group)
        names = [str(n) for n in saved]
        unknown = [n for n in names if n not in allowed]
        absent = [n for n in required if n not in saved]
        if unknown or absent:
            raise _fail(
                f"has state of parameter {key} with keys {names}; {type(opt).__name__} "
                f"needs {sorted(required)}"
                + ("" if not absent else f" (missing {absent})")
                + ("" if not unknown else f" (unknown {unknown})")
            )
        entry = {}
        for name, value in saved.items():
            where = f"'{name}' of parameter {key}"
            if name == "step":
                entry[name] = _step(value, where)
            else:
                squares = name in ("exp_avg_sq", "max_exp_avg_sq")
                entry[name] = _buffer(value, p, where, nonnegative=squares)
        new_state[p] = entry
    # The groups hold fresh copies of plain values only, the state fresh arrays.
    return new_groups, new_state


def unusable_state(state: dict[str, Any], required: tuple[str, ...], shape: tuple) -> str | None:
    """What makes a parameter's ``state`` unusable for a step (``None`` if nothing):
    a required entry missing, a step count that is not an int, a buffer that
    is not a writeable array of the parameter's ``shape``."""
    for key in required:
        value = state.get(key)
        if key == "step":
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, np.ndarray) and value.shape == shape and value.flags.writeable
        if not ok:
            return (
                f"has state {key!r} = {type(value).__name__} that this step cannot "
                "use (missing, misshapen or read-only)"
            )
    return None

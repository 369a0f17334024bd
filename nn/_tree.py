"""Nested state (an optimizer's ``state_dict()``, a training checkpoint) as flat arrays.

An ``.npz`` archive holds one flat level of named arrays. A nested value is
stored as one array per leaf under a typed key, ``path:tag``, so that
:func:`unflatten` rebuilds exactly the Python types that went in, with no
pickle. The path joins one segment per level with ``/``:

- ``name``: a str key of a dict, percent-encoded outside ``[A-Za-z0-9_.~-]``;
- ``#3``: an int key of a dict (optimizer state is keyed by parameter index);
- ``[3]`` and ``(3)``: an item of a list or of a tuple.

The tag says what the array stands for: ``array`` (itself), ``int``,
``bigint`` (decimal digits, for ints beyond int64), ``float``, ``bool``,
``none``, ``str`` (UTF-8 bytes), ``list-int``/``tuple-float``/... (a
sequence of plain numbers packed in one array), and ``dict``/``list``/
``tuple`` for empty containers. A member ``:format`` marks such archives.
For example ``{'state': {0: {'step': 3}}, 'param_groups': [{'betas': (0.9,
0.999)}]}`` becomes ``state/#0/step:int`` and
``param_groups/[0]/betas:tuple-float``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from autograd import Tensor

__all__ = ["FORMAT_KEY", "flatten", "is_nested", "unflatten"]

FORMAT_KEY = ":format"
FORMAT_VERSION = 1
_MAX_DEPTH = 32
_INT64 = np.iinfo(np.int64)
_SCALAR_TAGS = {"int": (int, "iu"), "float": (float, "f"), "bool": (bool, "b")}
_SEQUENCES = {"list": list, "tuple": tuple}
_INDEX = re.compile(r"([\[(])(0|[1-9][0-9]*)[\])]\Z")
_INT_KEY = re.compile(r"#(0|-?[1-9][0-9]*)\Z")
_BIGINT = re.compile(rb"-?[0-9]{1,4300}\Z")


def _is_array(value: Any) -> bool:
    return isinstance(value, (np.ndarray, Tensor)) or (
        isinstance(value, np.generic) and not isinstance(value, (np.number, np.bool_))
    )


def is_nested(state: Mapping[str, Any]) -> bool:
    """Whether a mapping holds anything but arrays, so that it needs typed keys."""
    return any(not isinstance(v, (np.ndarray, np.generic, Tensor)) for v in state.values())


def _scalar(value: Any) -> tuple[str, Any] | None:
    """(tag, python value) for a plain number, bool or None; None otherwise."""
    if value is None:
        return "none", None
    if isinstance(value, (bool, np.bool_)):
        return "bool", bool(value)
    if isinstance(value, (int, np.integer)):
        return "int", int(value)
    if isinstance(value, (float, np.floating)):
        return "float", float(value)
    return None


def _segment(key: Any, where: str) -> str:
    if isinstance(key, str):
        if not key:
            raise TypeError(f"save: empty dict key at {where or 'the top level'}")
        try:
            return quote(key, safe="")
        except UnicodeEncodeError:
            raise ValueError(f"save: dict key {key!r} cannot be encoded as UTF-8") from None
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return f"#{int(key)}"
    raise TypeError(
        f"save: dict keys must be str or int, got {type(key).__name__} {key!r} at "
        f"{where or 'the top level'}"
    )


def flatten(state: Mapping[str, Any], check_array: Callable[[str, Any], np.ndarray]) -> dict:
    """Typed flat keys -> arrays; ``check_array(where, value)`` validates array leaves."""
    out: dict[str, np.ndarray] = {FORMAT_KEY: np.array(FORMAT_VERSION, dtype=np.int64)}

    def leaf(path: str, tag: str, array: np.ndarray) -> None:
        out[f"{path}:{tag}"] = array

    def visit(value: Any, path: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise TypeError(f"save: state nested deeper than {_MAX_DEPTH} levels at {path!r}")
        where = path or "the top level"
        if isinstance(value, Mapping):
            if not value:
                leaf(path, "dict", np.zeros(0, np.int8))
            for key, item in value.items():
                visit(
                    item, f"{path}/{_segment(key, path)}" if path else _segment(key, ""), depth + 1
                )
            return
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            if not value:
                leaf(path, kind, np.zeros(0, np.int8))
                return
            scalars = [_scalar(v) for v in value]
            tags = {s[0] for s in scalars if s is not None}
            if None not in scalars and len(tags) == 1 and tags != {"none"}:
                (tag,) = tags
                items = [s[1] for s in scalars]
                if tag != "int" or all(_INT64.min <= v <= _INT64.max for v in items):
                    dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}[tag]
                    leaf(path, f"{kind}-{tag}", np.array(items, dtype=dtype))
                    return
            bracket = "[]" if kind == "list" else "()"
            for i, item in enumerate(value):
                visit(item, f"{path}/{bracket[0]}{i}{bracket[1]}", depth + 1)
            return
        if not path:
            raise TypeError(f"save expects a Module or a state dict, got {type(value).__name__}")
        if _is_array(value):
            leaf(path, "array", check_array(path, value))
            return
        scalar = _scalar(value)
        if scalar is not None:
            tag, item = scalar
            if tag == "int" and not _INT64.min <= item <= _INT64.max:
                leaf(path, "bigint", np.frombuffer(str(item).encode(), dtype=np.uint8).copy())
            elif tag == "none":
                leaf(path, "none", np.zeros(0, np.int8))
            else:
                dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}[tag]
                leaf(path, tag, np.array(item, dtype=dtype))
            return
        if isinstance(value, str):
            try:
                raw = value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"save: the str at {where!r} cannot be encoded as UTF-8") from None
            leaf(path, "str", np.frombuffer(raw, dtype=np.uint8).copy())
            return
        raise TypeError(
            f"save: value at {where!r} is a {type(value).__name__}; state may hold numeric "
            "arrays, Tensors, numbers, bools, None, str, and dicts, lists and tuples of them"
        )

    visit(state, "", 0)
    return out


def _leaf_value(tag: str, array: np.ndarray, bad: Callable[[str], Exception]) -> Any:
    if tag == "array":
        return array
    if tag in _SCALAR_TAGS:
        kind_type, kinds = _SCALAR_TAGS[tag]
        if array.shape != () or array.dtype.kind not in kinds:
            raise bad(
                f"a {tag} must be stored as a 0-d {tag} array, got {array.dtype} {array.shape}"
            )
        return kind_type(array.item())
    if tag in ("none", "dict", "list", "tuple"):
        if array.size != 0:
            raise bad(f"'{tag}' members must be empty, got shape {array.shape}")
        return {"none": None, "dict": {}, "list": [], "tuple": ()}[tag]
    if tag in ("str", "bigint"):
        if array.ndim != 1 or array.dtype != np.uint8:
            raise bad(f"a {tag} must be stored as 1-d uint8 bytes, got {array.dtype} {array.shape}")
        raw = array.tobytes()
        if tag == "bigint":
            if not _BIGINT.match(raw):
                raise bad("a bigint must be decimal digits")
            return int(raw)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("a str member is not valid UTF-8") from None
    kind, _, item = tag.partition("-")
    if kind in _SEQUENCES and item in _SCALAR_TAGS:
        item_type, kinds = _SCALAR_TAGS[item]
        if array.ndim != 1 or array.dtype.kind not in kinds:
            raise bad(f"a {tag} must be a 1-d {item} array, got {array.dtype} {array.shape}")
        return _SEQUENCES[kind](item_type(v) for v in array.tolist())
    raise bad(f"unknown type tag {tag!r}")


class _Node:
    """A container being rebuilt: its kind and its children by key."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "dict", "list" or "tuple"
        self.children: dict[Any, Any] = {}


def _parse_segment(segment: str, bad: Callable[[str], Exception]) -> tuple[str, Any]:
    match = _INDEX.match(segment)
    if match:
        return ("list" if match.group(1) == "[" else "tuple"), int(match.group(2))
    match = _INT_KEY.match(segment)
    if match:
        return "dict", int(match.group(1))
    if not segment or quote(unquote(segment, errors="strict"), safe="") != segment:
        raise bad(f"path segment {segment!r} is not in canonical form")
    return "dict", unquote(segment, errors="strict")


def unflatten(
    arrays: Mapping[str, np.ndarray], bad_member: Callable[[str, str], Exception]
) -> dict:
    """Rebuild the nested state from typed keys; ``bad_member(key, what)`` makes the error."""
    root = _Node("dict")
    for key, array in arrays.items():
        if key == FORMAT_KEY:
            continue

        def bad(what: str, key: str = key) -> Exception:
            return bad_member(key, what)

        path, sep, tag = key.rpartition(":")
        if not sep or not path:
            raise bad("is not a typed key 'path:tag'")
        segments = path.split("/")
        if len(segments) > _MAX_DEPTH:
            raise bad(f"is nested deeper than {_MAX_DEPTH} levels")
        try:
            parsed = [_parse_segment(s, bad) for s in segments]
        except UnicodeDecodeError:
            raise bad("has a path segment that is not valid UTF-8 once decoded") from None
        value = _leaf_value(tag, array, bad)
        node = root
        for i, (kind, name) in enumerate(parsed):
            if node.kind != kind:
                raise bad(f"mixes {node.kind} and {kind} items in one container")
            if i == len(parsed) - 1:
                if name in node.children:
                    raise bad("gives a value for a path that already has one")
                node.children[name] = value
            else:
                child = node.children.get(name)
                if child is None:
                    child = node.children[name] = _Node(parsed[i + 1][0])
                elif not isinstance(child, _Node):
                    raise bad("goes through a path that holds a value")
                node = child

    def build(node: _Node, where: str) -> Any:
        items = {
            k: build(v, f"{where}/{k}") if isinstance(v, _Node) else v
            for k, v in node.children.items()
        }
        if node.kind == "dict":
            return items
        if sorted(items) != list(range(len(items))):
            raise bad_member(
                where.lstrip("/") + "/", f"has {node.kind} items {sorted(items)[:10]}, not 0..n-1"
            )
        return _SEQUENCES[node.kind](items[i] for i in range(len(items)))

    return build(root, "")

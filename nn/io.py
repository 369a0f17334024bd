"""Checkpoints as ``.npz`` files: written atomically, read without pickle or trust.

A checkpoint is data, never code. ``save`` accepts only plain numeric arrays
(bool, integer, float, complex), plus, for nested state such as an
optimizer's ``state_dict()``, numbers, bools, None, strings and containers of
them, stored under typed keys (see :mod:`nn._tree`); it writes with pickling
disabled. ``load`` never unpickles and checks what a file claims before
believing it (see :mod:`nn._archive`): every refusal is a
:class:`CheckpointError`, raised before anything large is decompressed.

Paths: ``save`` appends ``.npz`` to a path that does not already end in it
(as ``numpy.savez`` does), so ``save(model, "ckpt")`` writes ``ckpt.npz``;
``load("ckpt")`` reads ``ckpt.npz`` (or ``ckpt`` itself when only that exists).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Tensor
from nn import _tree
from nn._archive import (
    MAX_KEY_LENGTH,
    NUMERIC_KINDS,
    CheckpointError,
    Member,
    open_regular,
    read_arrays,
    read_headers,
    read_members,
    refuse,
    short,
)
from nn.module import Module

try:  # POSIX: a writer holds a lock on its temp file, so a cleaner can tell it is alive.
    import fcntl
except ImportError:  # pragma: no cover - Windows refuses to delete open files instead
    fcntl = None

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_MEMBERS", "CheckpointError", "load", "save"]

#: Default ``max_bytes`` of :func:`load`: 2 GiB of arrays, 500 million float32
#: parameters, far more than a NumPy-trained model holds.
DEFAULT_MAX_BYTES = 2 << 30
#: Default ``max_members`` of :func:`load`: the most a plain (non-ZIP64) zip lists.
DEFAULT_MAX_MEMBERS = 65_535
# A temp file left by a writer that died is removed once it is this old even if
# its process id is in use again (after a reboot, say).
_STALE_AFTER = 60.0


# -- saving ------------------------------------------------------------------------------


def _target(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _numeric(where: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.data
    if not isinstance(value, (np.ndarray, np.generic)):
        raise TypeError(
            f"save: value for key {short(where)} is a {type(value).__name__}; only numeric numpy "
            "arrays and Tensors can be saved"
        )
    arr = np.asarray(value)
    if arr.dtype.kind not in NUMERIC_KINDS or arr.dtype.fields is not None:
        raise TypeError(
            f"save: value for key {short(where)} has dtype {arr.dtype}; only bool, integer, "
            "float and complex arrays can be saved"
        )
    return arr


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key:
        raise TypeError(f"save: keys must be non-empty strings, got {short(key)}")
    if "\x00" in key:
        raise ValueError(f"save: key {short(key)} contains a NUL character")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"save: key {short(key)} is longer than {MAX_KEY_LENGTH:,} characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"save: key {short(key)} cannot be encoded as UTF-8") from None


def _arrays(obj: Module | Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Validate everything before any file is touched; return member key -> array."""
    if isinstance(obj, Module):
        state: Mapping[str, Any] = obj.state_dict()
    elif isinstance(obj, Mapping):
        state = obj
    else:
        raise TypeError(f"save expects a Module or a state dict, got {type(obj).__name__}")
    if _tree.is_nested(state):
        for key in state:  # typed keys escape everything else; these stay readable
            if not isinstance(key, (str, int, np.integer)) or isinstance(key, bool):
                raise TypeError(f"save: keys must be str or int, got {short(key)}")
        arrays = _tree.flatten(state, _numeric)
    else:
        arrays = {}
        for key, value in state.items():
            _check_key(key)
            if key == _tree.FORMAT_KEY:
                raise ValueError(f"save: the key {key!r} is reserved for nested state")
            arrays[key] = _numeric(key, value)
    for key in arrays:
        _check_key(key)
        # numpy.load strips one ".npy" from member names, so "x" and "x.npy" would collide.
        if key.endswith(".npy") and key[:-4] in arrays:
            raise ValueError(
                f"save: keys {short(key[:-4])} and {short(key)} would be read back as the same "
                "array by numpy.load, which strips a '.npy' suffix; rename one"
            )
    return arrays


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; not possible (or needed) everywhere.
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_pattern(path: Path) -> re.Pattern:
    # Current temp names carry the writer's pid; older ones only the random part.
    return re.compile(rf"\.{re.escape(path.name)}\.(?:(\d+)\.)?[0-9a-f]{{16}}\.tmp\Z")


def _process_alive(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) terminates on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files of ``path`` left by saves that died (kill -9, power loss).

    A temp file is stale when no process holds its lock and either its writer
    is gone or it has not changed for a minute; a concurrent save's file is
    locked (POSIX), so it is kept. Where there are no locks (Windows), a temp
    file is stale once it is a minute old, and one still open cannot be
    deleted anyway.
    """
    pattern = _temp_pattern(path)
    try:
        names = [e.name for e in os.scandir(path.parent) if pattern.match(e.name)]
    except OSError:
        return
    for name in names:
        candidate = path.parent / name
        pid = pattern.match(name).group(1)
        try:
            if fcntl is None:  # pragma: no cover - Windows: an open file cannot be deleted
                if time.time() - os.stat(candidate).st_mtime > _STALE_AFTER:
                    os.unlink(candidate)
                continue
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            age = time.time() - os.fstat(fd).st_mtime
            dead = pid is not None and int(pid) != os.getpid() and not _process_alive(int(pid))
            if dead or age > _STALE_AFTER:
                os.unlink(candidate)
        except OSError:
            pass  # locked by a live writer, or already gone
        finally:
            os.close(fd)


def _named(err: OSError, path: Path) -> OSError:
    """The same kind of error, naming the checkpoint rather than its temp file."""
    reason = err.strerror or str(err)
    try:
        if err.errno is not None:
            return type(err)(err.errno, f"save: cannot write the checkpoint ({reason})", str(path))
        return type(err)(f"save: cannot write the checkpoint {str(path)!r}: {reason}")
    except Exception:
        return err


def save(obj: Module | Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write a module's ``state_dict()``, a dict of arrays, or nested state to ``.npz``.

    The archive is written to a temporary file in the same directory and moved
    over ``path`` with ``os.replace``, so a crash or error never leaves a
    half-written checkpoint: either the old file or the complete new one
    exists. Temp files of the same target left by saves that were killed are
    removed first.

    Parameters
    ----------
    obj : Module or mapping
        A module, a dict of numeric arrays or Tensors (``{"0.weight": ...}``),
        or nested state such as ``optimizer.state_dict()`` (dicts, lists and
        tuples of arrays, numbers, bools, None and strings), stored under
        typed keys so that :func:`load` rebuilds the same types. Anything
        else is refused with a ``TypeError`` naming the key, before any file
        is touched.
    path : str or os.PathLike
        Destination; ``.npz`` is appended if the name does not end with it.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        A value that cannot be saved, or a key that is not a string.
    ValueError
        A key with a NUL character, longer than 1,024 characters, not
        encodable as UTF-8, or colliding with another once numpy.load strips
        a ``.npy`` suffix (``"x"`` and ``"x.npy"``).
    OSError
        The file cannot be written; the message names ``path``, not the
        temporary file.
    """
    arrays = _arrays(obj)
    path = _target(path)
    if path.is_dir():
        raise IsADirectoryError(21, "save: the checkpoint path is a directory", str(path))
    _remove_stale_temps(path)
    # Created like an ordinary file (mode 0o666 minus the umask, unlike mkstemp's 0o600),
    # with the pid and a random part, so concurrent saves do not collide.
    tmp_name = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp_name, flags, 0o666)
    except OSError as err:
        raise _named(err, path) from err
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when the process dies, however
        with os.fdopen(fd, "wb") as raw:
            # The same layout np.savez writes (one .npy member per key), done by hand
            # because np.savez(**arrays) breaks on keys such as "file".
            with zipfile.ZipFile(raw, mode="w", compression=zipfile.ZIP_STORED) as zf:
                for key, arr in arrays.items():
                    with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            raw.flush()
            os.fsync(raw.fileno())
            if fcntl is not None:
                os.replace(tmp_name, path)  # while locked: a cleaner never sees it unlocked
        if fcntl is None:  # pragma: no cover - Windows cannot rename an open file
            os.replace(tmp_name, path)
        _fsync_directory(path.parent)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(err, OSError):
            raise _named(err, path) from err
        raise
    return path


# -- loading ------------------------------------------------------------------------------


def _source(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    given = Path(path)
    if given.suffix == ".npz":
        return given
    with_suffix = given.with_name(given.name + ".npz")
    if with_suffix.exists() or not given.exists():
        if not with_suffix.exists():
            raise FileNotFoundError(
                2, f"load: no checkpoint {str(given)!r} or {str(with_suffix)!r}", str(with_suffix)
            )
        return with_suffix
    return given  # e.g. "notes.txt": read as given, and refused if not an archive


def _check_limit(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise TypeError(f"load: {name} must be a non-negative int or None, got {value!r}")
    return int(value)


def _check_fit(module: Module, members: list[Member], path: Path, strict: bool) -> list[Member]:
    """The members ``module`` takes, checked against it from the headers alone."""
    own = dict(module.named_parameters(remove_duplicate=False))
    # Persistent buffers (running statistics) are in state_dict too, where modules have them.
    buffers = getattr(module, "_persistent_buffers", None)
    if buffers is not None:
        own.update(buffers())
    by_key = {m.key: m for m in members}
    problems = []
    missing = [k for k in own if k not in by_key]
    unexpected = [k for k in by_key if k not in own]
    if strict and unexpected:
        problems.append(f"unexpected key(s) {_list(unexpected)}")
    if strict and missing:
        problems.append(f"missing key(s) {_list(missing)}")
    wanted = []
    for name, param in own.items():
        member = by_key.get(name)
        if member is None:
            continue
        if member.shape != param.data.shape:
            problems.append(
                f"size mismatch for {short(name)}: the file has shape {member.shape}, "
                f"the model {param.data.shape}"
            )
        elif member.dtype != param.data.dtype:
            problems.append(
                f"dtype mismatch for {short(name)}: the file has {member.dtype}, "
                f"the model {param.data.dtype}"
            )
        wanted.append(member)
    if problems:
        raise refuse(
            path,
            f"does not fit {type(module).__name__} (nothing was loaded): " + "; ".join(problems),
        )
    return wanted


def _list(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(short(n, 40) for n in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def load(
    path: str | os.PathLike,
    into: Module | None = None,
    *,
    strict: bool = True,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_members: int | None = DEFAULT_MAX_MEMBERS,
) -> dict[str, Any]:
    """Read an ``.npz`` checkpoint into a dict of NumPy arrays, never unpickling.

    The zip's central directory is read first, and the file is refused before
    anything is decompressed if it is not a regular file, has duplicate or
    non-``.npy`` member names, more than ``max_members`` members, or more
    than ``max_bytes`` bytes of arrays. Then every member's ``.npy`` header
    is checked (numeric dtype, shape consistent with the member's size), and
    only then is array data read, in bounded chunks.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` is appended if the name does not end with it and that file
        exists.
    into : Module, optional
        Load into this module: every key, shape and dtype is checked against
        it from the ``.npy`` headers, before any array data is read, and the
        values are copied in only when all of them were read (as
        ``into.load_state_dict`` does).
    strict : bool, default True
        With ``into``: whether missing and unexpected keys are errors.
        Unexpected members are not read when ``strict=False``.
    max_bytes : int or None, default 2 GiB
        Most bytes of array data (uncompressed) the file may hold; ``None``
        for no limit. Raise it for a larger checkpoint you trust.
    max_members : int or None, default 65,535
        Most arrays the file may hold; ``None`` for no limit.

    Returns
    -------
    dict
        Key to array; for a file written from nested state (an optimizer's
        ``state_dict()``), that state, rebuilt with its original types. Pass
        it to ``Module.load_state_dict`` or ``Optimizer.load_state_dict``.

    Raises
    ------
    CheckpointError
        (A ``ValueError``.) For every refusal of the file's contents: not an
        ``.npz`` archive, not a regular file, a limit exceeded, a bad member
        name, a malformed header, a non-numeric dtype, truncated or
        corrupted data, or (with ``into``) a key, shape or dtype that does
        not fit. The message names the file and the member.
    FileNotFoundError, PermissionError
        The file cannot be opened.
    """
    max_bytes = _check_limit("max_bytes", max_bytes)
    max_members = _check_limit("max_members", max_members)
    if into is not None and not isinstance(into, Module):
        raise TypeError(f"load: into must be a Module, got {type(into).__name__}")
    source = _source(path)
    with open_regular(source) as fp:
        zf, members = read_members(fp, source, max_bytes, max_members)
        with zf:
            nested = any(m.key == _tree.FORMAT_KEY for m in members)
            if into is not None and nested:
                raise refuse(
                    source,
                    "holds nested state (an optimizer or training checkpoint), not a module's "
                    "parameters; nn.load(path) without into= returns it",
                )
            read_headers(zf, members, source)
            if into is not None:
                members = _check_fit(into, members, source, strict)
            arrays = read_arrays(zf, members, source)
    if into is not None:
        into.load_state_dict(arrays, strict=strict)
        return arrays
    if not nested:
        return arrays
    version = arrays[_tree.FORMAT_KEY]
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != 1:
        raise refuse(source, f"has nested-state format {short(version.tolist())}; this reads 1")

    def bad_member(key: str, what: str) -> CheckpointError:
        if key.endswith("/"):  # a container, made of several members
            return refuse(source, f"the members under {short(key)}: {what}")
        return refuse(source, f"member {short(key + '.npy')}: {what}")

    return _tree.unflatten(arrays, bad_member)

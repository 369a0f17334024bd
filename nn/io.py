"""Checkpoints as ``.npz`` files: written atomically, read without pickle.

A checkpoint is data, never code. ``save`` accepts only plain numeric arrays
(bool, integer, float, complex) and writes them with pickling disabled;
``load`` reads with ``numpy.load(allow_pickle=False)`` and refuses anything
else, so opening a file can never run code from it.

Paths: both functions append ``.npz`` to a path that does not already end in
``.npz`` (as ``numpy.savez`` does), so ``save(model, "ckpt")`` writes
``ckpt.npz`` and ``load("ckpt")`` reads it back.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Tensor
from nn.module import Module

__all__ = ["load", "save"]

# bool, signed and unsigned integers, floats, complex: nothing that can hold objects.
_NUMERIC_KINDS = "biufc"


def _npz_path(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _numeric_arrays(obj: Module | Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Validate everything before any file is touched; return name -> array."""
    if isinstance(obj, Module):
        state: Mapping[str, Any] = obj.state_dict()
    elif isinstance(obj, Mapping):
        state = obj
    else:
        raise TypeError(f"save expects a Module or a state dict, got {type(obj).__name__}")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
        if isinstance(value, Tensor):
            value = value.data
        if not isinstance(value, (np.ndarray, np.generic)):
            raise TypeError(
                f"save: value for key {key!r} is a {type(value).__name__}; only numeric numpy "
                "arrays and Tensors can be saved"
            )
        arr = np.asarray(value)
        if arr.dtype.kind not in _NUMERIC_KINDS or arr.dtype.fields is not None:
            raise TypeError(
                f"save: value for key {key!r} has dtype {arr.dtype}; only bool, integer, "
                "float and complex arrays can be saved"
            )
        arrays[key] = arr
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


def save(obj: Module | Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write a module's ``state_dict()`` (or a dict of arrays) to an ``.npz`` file.

    The archive is written to a temporary file in the same directory and moved
    over ``path`` with ``os.replace``, so a crash or error never leaves a
    half-written checkpoint: either the old file or the complete new one exists.

    Parameters
    ----------
    obj : Module or mapping of str to numpy.ndarray or Tensor
        What to save. Every value must be a numeric array (bool, integer, float,
        complex); anything else is refused with a ``TypeError`` naming the key,
        before any file is touched.
    path : str or os.PathLike
        Destination; ``.npz`` is appended if the name does not end with it.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    arrays = _numeric_arrays(obj)
    path = _npz_path(path)
    # Created like an ordinary file (mode 0o666 minus the umask, unlike mkstemp's 0o600),
    # with a random name so concurrent saves do not collide.
    tmp_name = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as raw:
            # The same layout np.savez writes (one .npy member per key), done by hand
            # because np.savez(**arrays) breaks on keys such as "file".
            with zipfile.ZipFile(raw, mode="w", compression=zipfile.ZIP_STORED) as zf:
                for key, arr in arrays.items():
                    with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp_name, path)
        _fsync_directory(path.parent)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return path


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` checkpoint into a dict of NumPy arrays, never unpickling.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` is appended if the name does not end with it.

    Returns
    -------
    dict of str to numpy.ndarray
        Pass it to ``Module.load_state_dict``.

    Raises
    ------
    ValueError
        If the file is not an ``.npz`` archive, or holds pickled objects or
        arrays that are not plain numeric (the error names the key).
    """
    path = _npz_path(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as err:  # e.g. a pickle file: numpy refuses before unpickling
        raise ValueError(f"load: {path} is not a numeric .npz checkpoint ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} holds a single array, not an .npz archive of named arrays")
    result = {}
    with archive:
        for key in archive.files:
            try:
                arr = archive[key]
            except ValueError as err:  # object arrays need pickle: refused
                raise ValueError(
                    f"load: key {key!r} in {path} holds Python objects and was not loaded "
                    f"(checkpoints may only contain numeric arrays): {err}"
                ) from None
            if not isinstance(arr, np.ndarray):  # a zip member that is not a .npy array
                raise ValueError(
                    f"load: member {key!r} of {path} is not a NumPy array; checkpoints may only "
                    "contain numeric arrays"
                )
            if arr.dtype.kind not in _NUMERIC_KINDS or arr.dtype.fields is not None:
                raise ValueError(
                    f"load: key {key!r} in {path} has dtype {arr.dtype}; checkpoints may only "
                    "contain bool, integer, float and complex arrays"
                )
            result[key] = arr
    return result

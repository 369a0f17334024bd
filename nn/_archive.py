"""Reading ``.npz`` archives without trusting them.

Everything a file claims is checked against limits before it costs memory or
time: the end record of the zip's central directory (member count, directory
size) before the directory is parsed, the directory (names, compression,
sizes) before any member is opened, and every member's ``.npy`` header (dtype,
shape, size) before any array data is read. Reads are bounded by the sizes
the directory claims, so a member that inflates to more than it claims is cut
off and fails its CRC check instead of filling memory.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = ["CheckpointError", "Member", "read_arrays", "read_members", "short"]

# bool, signed and unsigned integers, floats, complex: nothing that can hold objects.
NUMERIC_KINDS = "biufc"
# Member names, without the ".npy" suffix (zip allows 65,535 bytes; no model needs that).
MAX_KEY_LENGTH = 1024
_MAX_MESSAGE = 600
_MAX_HEADER = 10_000  # numpy.load's own limit for .npy headers
_CHUNK = 1 << 22  # bytes of array data read per call: bounds the copies zipfile makes
# Deflate cannot expand data more than 1032-fold; a directory claiming more lies.
_MAX_DEFLATE_RATIO = 1032
_NPY_MAGIC = b"\x93NUMPY"

# What zipfile, zlib and struct raise on malformed input (OSError: a seek to a
# negative offset the file claims).
_MALFORMED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    struct.error,
    NotImplementedError,
    OverflowError,
    UnicodeDecodeError,
    KeyError,
    IndexError,
    OSError,
)

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


class CheckpointError(ValueError):
    """A checkpoint file was refused: it is not what :func:`nn.save` writes.

    Raised by :func:`nn.load` (and by loading methods that read checkpoints)
    for every problem with a file's contents, before anything large is read:
    not an ``.npz`` archive, not a regular file, duplicate or unexpected
    member names, too many members, too many bytes, malformed ``.npy``
    headers, arrays that are not plain numeric, truncated or corrupted data.
    The message names the file and the member. A ``ValueError`` subclass, so
    ``except ValueError`` catches it too.
    """


def short(text: Any, limit: int = 60) -> str:
    """``repr`` of ``text``, cut to about ``limit`` characters with its length noted."""
    if isinstance(text, str) and len(text) > limit:
        return f"{text[:limit]!r}... ({len(text):,} characters)"
    shown = repr(text)
    return shown if len(shown) <= limit + 20 else shown[: limit + 20] + "..."


def refuse(path: Path | str, what: str) -> CheckpointError:
    """A ``CheckpointError`` for ``path``, its message cut to a readable length."""
    message = f"load: {short(str(path), 200)}: {what}"
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 40] + f"... ({len(message):,} characters in all)"
    return CheckpointError(message)


@dataclass
class Member:
    """One array of the archive, known from its directory entry and ``.npy`` header."""

    key: str
    info: zipfile.ZipInfo
    dtype: np.dtype | None = None
    shape: tuple[int, ...] = ()
    fortran: bool = False
    offset: int = 0  # bytes of .npy header before the data


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading, refusing anything but a regular file.

    ``O_NONBLOCK`` keeps a FIFO from blocking the open; the type is checked
    on the opened descriptor, so the file cannot be swapped in between.
    """
    if path.is_dir():
        raise refuse(path, "is a directory, not a checkpoint file")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a directory"
                if stat.S_ISDIR(mode)
                else "a FIFO"
                if stat.S_ISFIFO(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "not a regular file"
            )
            raise refuse(path, f"is {kind}, not a regular file; checkpoints are regular files")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _directory_extent(fp: BinaryIO, size: int, path: Path) -> tuple[int, int]:
    """Member count and central-directory size from the end record, read alone."""
    tail_len = min(size, _EOCD.size + 0xFFFF)  # the record plus the longest comment
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        raise refuse(path, "is not an .npz archive (no zip end-of-directory record; truncated?)")
    _, _, _, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = pos - _ZIP64_LOCATOR.size
        if loc >= 0 and tail[loc : loc + 4] == b"PK\x06\x07":
            record_at = _ZIP64_LOCATOR.unpack_from(tail, loc)[2]
            if record_at + _ZIP64_EOCD.size > size:
                raise refuse(path, "has a ZIP64 end record that points past the end of the file")
            fp.seek(record_at)
            record = fp.read(_ZIP64_EOCD.size)
            if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
                raise refuse(path, "has a damaged ZIP64 end record")
            fields = _ZIP64_EOCD.unpack(record)
            entries, cd_size = fields[7], fields[8]
    return entries, cd_size


def _check_limit(path: Path, what: str, value: int, limit: int | None, how: str) -> None:
    if limit is not None and value > limit:
        raise refuse(path, f"{what} ({value:,}) exceed the limit of {limit:,}; {how}")


def read_members(
    fp: BinaryIO, path: Path, max_bytes: int | None, max_members: int | None
) -> tuple[zipfile.ZipFile, list[Member]]:
    """Open the archive and check its directory; nothing is decompressed."""
    size = os.fstat(fp.fileno()).st_size
    if size == 0:
        raise refuse(path, "is empty (0 bytes), not an .npz archive")
    head = fp.read(len(_NPY_MAGIC))
    if head == _NPY_MAGIC:
        raise refuse(
            path,
            "holds a single array (.npy format), not an .npz archive of named arrays; "
            "read it with numpy.load(path, allow_pickle=False)",
        )
    if head[:2] != b"PK":
        raise refuse(path, "is not a numeric .npz checkpoint (it does not start like a zip file)")
    entries, cd_size = _directory_extent(fp, size, path)
    how_members = "pass a larger max_members= to nn.load if this file is trusted"
    _check_limit(path, "its members", entries, max_members, how_members)
    # A directory entry is 46 bytes plus its name; 1 KiB each on average is generous.
    if cd_size > size or cd_size > max(1 << 20, 1024 * max(entries, 1)):
        raise refuse(path, f"claims a zip directory of {cd_size:,} bytes for {entries:,} members")
    fp.seek(0)
    try:
        zf = zipfile.ZipFile(fp)
    except _MALFORMED as err:
        raise refuse(path, f"is not a valid zip archive ({type(err).__name__}: {err})") from None
    infos = zf.infolist()
    _check_limit(path, "its members", len(infos), max_members, how_members)

    members: list[Member] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.orig_filename
        shown = short(name)
        if "\x00" in name:
            raise refuse(path, f"member {shown} has a NUL character in its name")
        if not name.endswith(".npy"):
            raise refuse(
                path, f"member {shown} is not a .npy array; checkpoints hold only .npy members"
            )
        if len(name) - 4 > MAX_KEY_LENGTH:
            raise refuse(path, f"member {shown} has a name longer than {MAX_KEY_LENGTH} characters")
        if name in seen:
            raise refuse(path, f"member {shown} appears more than once in the archive")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise refuse(path, f"member {shown} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse(
                path,
                f"member {shown} uses zip compression method {info.compress_type}; only stored "
                "and deflate members (what numpy.savez and savez_compressed write) are read",
            )
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO
        if info.file_size > ratio * info.compress_size + 1024:
            raise refuse(
                path,
                f"member {shown} claims {info.file_size:,} bytes from {info.compress_size:,} "
                "compressed bytes, more than its compression can produce",
            )
        total += info.file_size
        members.append(Member(name[:-4], info))
    _check_limit(
        path,
        "its arrays' bytes",
        total,
        max_bytes,
        "pass a larger max_bytes= to nn.load (or max_bytes=None) if this file is trusted",
    )
    keys = {m.key for m in members}
    for key in keys:
        if key.endswith(".npy") and key[:-4] in keys:
            raise refuse(
                path,
                f"members {short(key[:-4] + '.npy')} and {short(key + '.npy')} are ambiguous: "
                f"numpy.load reads both as {short(key)}",
            )
    return zf, members


def _exact(fp: Any, n: int) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise EOFError(f"the member ends after {len(data)} of {n} header bytes")
    return data


def _read_header(zf: zipfile.ZipFile, member: Member, path: Path) -> None:
    """Fill in dtype, shape and data offset from the member's ``.npy`` header."""
    shown = short(member.info.orig_filename)
    try:
        with zf.open(member.info) as raw:
            magic = _exact(raw, 8)
            if magic[:6] != _NPY_MAGIC:
                raise refuse(path, f"member {shown} is not a .npy array (no .npy magic string)")
            version = (magic[6], magic[7])
            if version == (1, 0):
                length_field = _exact(raw, 2)
                length = struct.unpack("<H", length_field)[0]
            elif version in ((2, 0), (3, 0)):
                length_field = _exact(raw, 4)
                length = struct.unpack("<I", length_field)[0]
            else:
                raise refuse(path, f"member {shown} uses unknown .npy format version {version}")
            if version == (3, 0):
                raise refuse(
                    path,
                    f"member {shown} uses .npy format 3.0, which only structured arrays need; "
                    "checkpoints hold plain numeric arrays",
                )
            if length > _MAX_HEADER:
                raise refuse(
                    path,
                    f"member {shown} has a .npy header of {length:,} bytes (limit {_MAX_HEADER:,})",
                )
            header = _exact(raw, length)
    except CheckpointError:
        raise
    except _MALFORMED as err:
        raise refuse(path, f"member {shown} cannot be read ({err})") from None
    reader = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    try:
        shape, fortran, dtype = reader(
            io.BytesIO(length_field + header), max_header_size=_MAX_HEADER
        )
    except Exception as err:
        raise refuse(path, f"member {shown} has a malformed .npy header ({err})") from None
    if dtype.kind == "O" or dtype.hasobject:
        raise refuse(
            path,
            f"member {shown} holds Python objects (dtype {dtype}), which only pickle can read; "
            "checkpoints may only contain numeric arrays, and nothing was unpickled",
        )
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise refuse(
            path,
            f"member {shown} has dtype {short(str(dtype))}; checkpoints may only contain bool, "
            "integer, float and complex arrays",
        )
    if any(n < 0 for n in shape):
        raise refuse(path, f"member {shown} has a negative dimension in its shape {shape}")
    data_bytes = math.prod(shape) * dtype.itemsize
    offset = 8 + len(length_field) + length
    if offset + data_bytes != member.info.file_size:
        raise refuse(
            path,
            f"member {shown}: its header describes {data_bytes:,} bytes of {dtype} data with "
            f"shape {short(shape)}, but the member holds {member.info.file_size - offset:,}",
        )
    member.dtype, member.shape, member.fortran, member.offset = dtype, tuple(shape), fortran, offset


def read_headers(zf: zipfile.ZipFile, members: list[Member], path: Path) -> None:
    """Read and check every member's ``.npy`` header; no array data is read."""
    for member in members:
        _read_header(zf, member, path)


def read_arrays(zf: zipfile.ZipFile, members: list[Member], path: Path) -> dict[str, np.ndarray]:
    """The arrays of ``members`` (headers already checked), read in bounded chunks."""
    result: dict[str, np.ndarray] = {}
    for member in members:
        shown = short(member.info.orig_filename)
        count = math.prod(member.shape)
        flat = np.empty(count, dtype=member.dtype)
        target = memoryview(flat.view(np.uint8))
        try:
            with zf.open(member.info) as raw:
                _exact(raw, member.offset)
                done = 0
                while done < len(target):
                    got = raw.readinto(target[done : done + _CHUNK])
                    if not got:
                        raise EOFError(f"the data ends after {done:,} of {len(target):,} bytes")
                    done += got
                if raw.read(1):
                    raise ValueError("data continues past the end the header gives")
        except _MALFORMED as err:
            raise refuse(path, f"member {shown} is truncated or corrupted ({err})") from None
        if member.fortran:
            array = flat.reshape(member.shape[::-1]).transpose()
        else:
            array = flat.reshape(member.shape)
        result[member.key] = array
    return result

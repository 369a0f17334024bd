"""nn.load against hostile files, nn.save against hostile keys and kill -9.

Each test builds the file an attacker (or a crash) would leave and checks the
refusal: an ``nn.CheckpointError`` naming the member, raised before anything
large is decompressed, with a message of readable length.
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> None:
    """A zip written byte by byte: (name, stored bytes, method, claimed size, crc) each."""
    body: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, raw, method, size, crc in members:
        name_b = name.encode("utf-8")
        flags = 0x800  # names are UTF-8
        local = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0x21, crc, len(raw), size,
            len(name_b), 0,
        )  # fmt: skip
        body += [local, name_b, raw]
        entry = struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 0x21, crc, len(raw), size,
            len(name_b), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += [entry, name_b]
        offset += len(local) + len(name_b) + len(raw)
    count, cd = len(members), b"".join(central)
    tail = b""
    if count > 0xFFFF:  # ZIP64 end records carry the real count
        tail = struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(cd), offset
        )
        tail += struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(cd), 1)
        count = 0xFFFF
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(cd), offset, 0)
    path.write_bytes(b"".join(body) + cd + tail + end)


def stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, zipfile.ZIP_STORED, len(data), zlib.crc32(data)


def bomb_stream(total: int, shape: tuple[int, ...]) -> bytes:
    """A raw deflate stream of an .npy header and zeros, ``total`` bytes once inflated.

    Built from one compressed MiB of zeros repeated: after a full flush the
    compressor starts afresh, so every MiB compresses to the same bytes.
    """
    header = npy_header(shape)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(header + bytes(MiB - len(header))) + comp.flush(zlib.Z_FULL_FLUSH)
    segment = comp.compress(bytes(MiB)) + comp.flush(zlib.Z_FULL_FLUSH)
    return first + segment * (total // MiB - 1) + comp.flush()


def refused(path: Path, match: str, **kwargs) -> str:
    with pytest.raises(nn.CheckpointError, match=match) as info:
        nn.load(path, **kwargs)
    message = str(info.value)
    assert len(message) <= 600, len(message)
    return message


# -- decompression bombs ------------------------------------------------------------------

BOMB_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time, tracemalloc
    import nn
    path, kwargs = sys.argv[1], json.loads(sys.argv[2])
    if kwargs.get("into") == "model":  # the module the file claims to fit
        kwargs["into"] = nn.MLP([3, 4, 2], seed=0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    try:
        nn.load(path, **kwargs)
        outcome = "loaded"
    except nn.CheckpointError as err:
        outcome = str(err)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    print(json.dumps({"outcome": outcome, "seconds": seconds, "peak": peak, "rss_kib": grown}))
    """
)


def load_in_subprocess(path: Path, **kwargs) -> dict:
    pytest.importorskip("resource", reason="peak memory is read with the POSIX resource module")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, str(path), json.dumps(kwargs)],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def bomb_stream_3gib() -> tuple[bytes, int, tuple[int, ...]]:
    total = 3200 * MiB  # 3.4 GB once inflated, as in the report
    shape = ((total - len(npy_header((total // 8,)))) // 8,)
    return bomb_stream(total, shape), total, shape


def test_decompression_bomb_is_refused_fast_and_small(tmp_path, bomb_stream_3gib) -> None:
    raw, total, _ = bomb_stream_3gib
    path = tmp_path / "bomb.npz"
    # An honest directory: the member claims its full size, which is over the default limit.
    raw_zip(path, [("w.npy", raw, zipfile.ZIP_DEFLATED, total, 0)])
    assert path.stat().st_size < 4 * MiB
    run = load_in_subprocess(path)
    assert "exceed the limit" in run["outcome"] and "max_bytes=" in run["outcome"]
    assert run["seconds"] < 1.0
    assert run["peak"] < 50 * MiB
    assert run["rss_kib"] * 1024 < 50 * MiB


def test_bomb_under_an_unexpected_key_is_refused_from_headers_when_loading_into(tmp_path) -> None:
    model = nn.MLP([3, 4, 2], seed=0)
    total = 1600 * MiB  # under the default max_bytes: only the headers can refuse it
    shape = ((total - len(npy_header((total // 8,)))) // 8,)
    members = [stored(k + ".npy", npy_bytes(v)) for k, v in model.state_dict().items()]
    members.append(("junk.npy", bomb_stream(total, shape), zipfile.ZIP_DEFLATED, total, 0))
    path = tmp_path / "junk.npz"
    raw_zip(path, members)
    run = load_in_subprocess(path, into="model")
    assert "unexpected key(s) 'junk'" in run["outcome"], run["outcome"]
    assert run["seconds"] < 1.0 and run["peak"] < 50 * MiB


@pytest.mark.parametrize("claimed_shape", ["whole", "consistent"])
def test_bomb_whose_directory_lies_is_cut_off(tmp_path, bomb_stream_3gib, claimed_shape) -> None:
    raw = bomb_stream_3gib[0]
    path = tmp_path / "liar.npz"
    if claimed_shape == "whole":
        # The directory claims 1 MiB, the header 3.4 GB: refused after reading the header.
        raw_zip(path, [("w.npy", raw, zipfile.ZIP_DEFLATED, MiB, 0)])
        match = "header describes 3,355,443,072 bytes"
    else:
        # Header and directory agree on 1 MiB; the stream goes on: cut off, CRC fails.
        header = npy_header(((MiB - 128) // 8,))
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        lie = comp.compress(header) + comp.flush(zlib.Z_FULL_FLUSH) + raw
        raw_zip(path, [("w.npy", lie, zipfile.ZIP_DEFLATED, MiB, 0)])
        match = "truncated or corrupted"
    run = load_in_subprocess(path, max_bytes=None)
    assert match in run["outcome"] and "'w.npy'" in run["outcome"], run["outcome"]
    assert run["seconds"] < 1.0
    assert run["peak"] < 50 * MiB


def test_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path) -> None:
    path = tmp_path / "huge.npz"
    raw_zip(path, [stored("w.npy", npy_header((10**6, 10**6)) + bytes(80))])
    refused(path, r"member 'w\.npy': its header describes 8,000,000,000,000 bytes")


def test_member_size_limit_and_how_to_raise_it(tmp_path) -> None:
    path = nn.save({"w": np.zeros(1000)}, tmp_path / "w.npz")
    message = refused(path, "exceed the limit of 100", max_bytes=100)
    assert "max_bytes=" in message
    assert nn.load(path, max_bytes=None)["w"].shape == (1000,)
    with pytest.raises(TypeError, match="max_bytes"):
        nn.load(path, max_bytes=-1)


def test_a_single_npy_renamed_npz_is_refused_after_its_magic(tmp_path) -> None:
    path = tmp_path / "big.npz"
    with open(path, "wb") as f:
        f.write(npy_header((50 * MiB,)))
        f.truncate(400 * MiB)  # sparse: 400 MB claimed, nothing on disk
    start = time.perf_counter()
    refused(path, "holds a single array")
    assert time.perf_counter() - start < 0.5


def test_many_members_are_refused_from_the_end_record(tmp_path) -> None:
    path = tmp_path / "many.npz"
    one = npy_bytes(np.zeros(1))
    raw_zip(path, [stored(f"k{i}.npy", one) for i in range(100_000)])
    start = time.perf_counter()
    message = refused(path, r"its members \(100,000\) exceed the limit of 65,535")
    assert "max_members=" in message
    assert time.perf_counter() - start < 0.5
    refused(path, r"its members \(100,000\) exceed the limit of 10", max_members=10)


# -- not regular files, not archives ------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_is_refused_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "x.npz"
    os.mkfifo(fifo)
    start = time.perf_counter()
    refused(fifo, "is a FIFO, not a regular file")
    assert time.perf_counter() - start < 0.5


def test_directories_empty_truncated_and_junk_files(tmp_path) -> None:
    (tmp_path / "dir.npz").mkdir()
    refused(tmp_path / "dir.npz", "is a directory")
    (tmp_path / "empty.npz").write_bytes(b"")
    refused(tmp_path / "empty.npz", r"is empty \(0 bytes\)")
    good = nn.save({"w": np.arange(100.0)}, tmp_path / "good.npz").read_bytes()
    for cut in (10, len(good) // 2, len(good) - 10):
        (tmp_path / "cut.npz").write_bytes(good[:cut])
        refused(tmp_path / "cut.npz", "not an .npz archive|not a valid zip|truncated")
    (tmp_path / "zip.npz").write_bytes(b"PK" + bytes(100))
    refused(tmp_path / "zip.npz", "no zip end-of-directory record")


def test_an_existing_file_without_npz_suffix_is_read_as_given(tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    refused(notes, r"notes\.txt': is not a numeric \.npz checkpoint")
    with pytest.raises(FileNotFoundError, match=r"missing'.*missing\.npz"):
        nn.load(tmp_path / "missing")


# -- ambiguous archives -------------------------------------------------------------------


def test_duplicate_member_names_are_refused(tmp_path) -> None:
    path = tmp_path / "dup.npz"
    raw_zip(path, [stored("x.npy", npy_bytes(np.ones(2))), stored("x.npy", npy_bytes(np.zeros(2)))])
    refused(path, r"member 'x\.npy' appears more than once")


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("notes.txt", r"member 'notes\.txt' is not a \.npy array"),
        ("dir/", r"member 'dir/' is not a \.npy array"),
        ("a\x00b.npy", r"member 'a\\x00b\.npy' has a NUL character"),
        ("k" * 2000 + ".npy", r"member 'kkk.*\(2,004 characters\) has a name longer than 1024"),
    ],
)
def test_bad_member_names_are_refused(tmp_path, name, match) -> None:
    path = tmp_path / "bad.npz"
    raw_zip(path, [stored("ok.npy", npy_bytes(np.ones(1))), stored(name, npy_bytes(np.ones(1)))])
    refused(path, match)


def test_keys_that_numpy_would_confuse_are_refused_both_ways(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"keys 'x' and 'x\.npy' would be read back as the same"):
        nn.save({"x": np.ones(1), "x.npy": np.zeros(1)}, tmp_path / "a.npz")
    assert not (tmp_path / "a.npz").exists()
    path = tmp_path / "b.npz"
    one = npy_bytes(np.ones(1))
    raw_zip(path, [stored("x.npy", one), stored("x.npy.npy", one)])
    refused(path, "are ambiguous")
    # A lone key ending in .npy is fine, and NumPy reads it back under the same name.
    nn.save({"x.npy": np.arange(2.0)}, tmp_path / "c.npz")
    assert list(nn.load(tmp_path / "c.npz")) == ["x.npy"]
    with np.load(tmp_path / "c.npz") as npz:
        np.testing.assert_array_equal(npz["x.npy"], np.arange(2.0))


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("a\x00b", "contains a NUL character"),
        ("k" * 70_000, r"\(70,000 characters\) is longer than 1,024 characters"),
        ("\ud800", "cannot be encoded as UTF-8"),
        (":format", "reserved"),
    ],
)
def test_save_refuses_bad_keys_before_writing(tmp_path, key, match) -> None:
    with pytest.raises(ValueError, match=match):
        nn.save({"ok": np.ones(1), key: np.ones(1)}, tmp_path / "k.npz")
    assert list(tmp_path.iterdir()) == []


def test_nested_state_refuses_what_it_cannot_store(tmp_path) -> None:
    for state, error, match in [
        ({"a": {"\ud800": 1}}, ValueError, "cannot be encoded as UTF-8"),
        ({"a": ["\ud800"]}, ValueError, r"str at 'a/\[0\]' cannot be encoded"),
        ({"a": {"": 1}}, TypeError, "empty dict key"),
        ({"a": {(1, 2): 1}}, TypeError, "keys must be str or int"),
        ({"a": {1, 2}}, TypeError, "value at 'a' is a set"),
        ({"a": 1j}, TypeError, "is a complex"),
        ({"a": [np.array(["x"])]}, TypeError, r"'a/\[0\]' has dtype <U1"),
        ({"a": {"k" * 1100: 1}}, ValueError, "longer than 1,024"),
    ]:
        with pytest.raises(error, match=match):
            nn.save(state, tmp_path / "s")
    assert list(tmp_path.iterdir()) == []
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["d"] = {}
        node = node["d"]
    node["x"] = 1
    with pytest.raises(TypeError, match="nested deeper than 32"):
        nn.save(deep, tmp_path / "s")


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({"a/[1]:int": np.array(1)}, r"the members under 'a/': has list items \[1\], not 0\.\.n-1"),
        ({"a:int": np.array(1), "a/b:int": np.array(2)}, "goes through a path that holds a value"),
        ({"a/[0]:int": np.array(1), "a/b:int": np.array(2)}, "mixes list and dict items"),
        ({"a/%zz:int": np.array(1)}, "not in canonical form"),
        ({"a/#01:int": np.array(1)}, "not in canonical form"),
        ({"a:pickle": np.array(1)}, "unknown type tag 'pickle'"),
        ({"a:int": np.array(1.5)}, "a int must be stored as a 0-d int array"),
        ({"a:str": np.array([255], np.uint8)}, "not valid UTF-8"),
        ({"a:bigint": np.frombuffer(b"12x", np.uint8)}, "decimal digits"),
        ({"a:list-float": np.zeros((2, 2))}, "1-d float array"),
        ({"a:none": np.zeros(3)}, "must be empty"),
        ({"novalue": np.array(1)}, "is not a typed key"),
        ({":format": np.array(2), "a:int": np.array(1)}, "format 2; this reads 1"),
    ],
)
def test_hostile_nested_state_is_refused(tmp_path, members, match) -> None:
    members = {":format": np.array(1), **members}
    path = tmp_path / "n.npz"
    raw_zip(path, [stored(k + ".npy", npy_bytes(v)) for k, v in members.items()])
    refused(path, match)


def test_unsupported_compression_and_encryption_are_refused(tmp_path) -> None:
    data = npy_bytes(np.ones(3))
    path = tmp_path / "bz2.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr("w.npy", data)
    refused(path, r"member 'w\.npy' uses zip compression method 12")
    encrypted = tmp_path / "enc.npz"
    raw_zip(encrypted, [stored("w.npy", data)])
    blob = bytearray(encrypted.read_bytes())
    central = blob.rindex(b"PK\x01\x02")
    blob[central + 8] |= 1  # the directory's "encrypted" flag
    encrypted.write_bytes(bytes(blob))
    refused(encrypted, r"member 'w\.npy' is encrypted")


# -- what a member holds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (npy_bytes(np.ones(4))[:-8], r"header describes 32 bytes .* but the member holds 24"),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': oops}" + bytes(8), "malformed .npy header"),
        (b"\x93NUMPY\x09\x00" + bytes(8), r"unknown \.npy format version \(9, 0\)"),
        (b"not an array at all", r"not a \.npy array \(no \.npy magic string\)"),
        (b"\x93NUM", "cannot be read"),
        (npy_header((3,), "<U2") + bytes(24), "has dtype '<U2'"),
        (npy_header((3,), "<M8[D]") + bytes(24), r"has dtype 'datetime64\[D\]'"),
        (npy_header((3,), "|O") + bytes(24), "holds Python objects"),
        (b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + bytes(8), "header of 2,147,483,648"),
    ],
)
def test_member_contents_are_refused_with_the_right_reason(tmp_path, payload, match) -> None:
    path = tmp_path / "m.npz"
    raw_zip(path, [stored("w.npy", payload)])
    message = refused(path, match)
    assert "'w.npy'" in message
    if "objects" not in match:
        assert "Python objects" not in message


def test_corrupted_data_fails_its_crc(tmp_path) -> None:
    data = npy_bytes(np.arange(8.0))
    path = tmp_path / "crc.npz"
    raw_zip(path, [("w.npy", data, zipfile.ZIP_STORED, len(data), zlib.crc32(data) ^ 1)])
    refused(path, r"member 'w\.npy' cannot be read \(Bad CRC-32")
    # Past the first block, the CRC is checked once the data is read.
    big = npy_bytes(np.arange(4096.0))
    raw_zip(path, [("w.npy", big, zipfile.ZIP_STORED, len(big), zlib.crc32(big) ^ 1)])
    refused(path, r"member 'w\.npy' is truncated or corrupted \(Bad CRC-32")


def test_loading_into_a_module_checks_headers_before_reading_data(tmp_path) -> None:
    model = nn.MLP([30, 40, 2], seed=0)
    before = model.state_dict()
    # Right keys, one wrong shape, and large arrays that would fail their CRC if read.
    members = []
    for name, value in before.items():
        value = np.zeros((41, 30)) if name == "0.weight" else value
        data = npy_bytes(value)
        crc = zlib.crc32(data) ^ (len(data) > 8192)
        members.append((name + ".npy", data, zipfile.ZIP_STORED, len(data), crc))
    path = tmp_path / "m.npz"
    raw_zip(path, members)
    message = refused(path, r"does not fit MLP .*size mismatch for '0\.weight'", into=model)
    assert "CRC" not in message
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    other = nn.MLP([30, 40, 2], seed=1)
    nn.save(other, tmp_path / "other")
    result = nn.load(tmp_path / "other", into=model)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, other.state_dict()[name])
        np.testing.assert_array_equal(result[name], p.data)
    extra = {**other.state_dict(), "junk": np.zeros(10**6)}
    nn.save(extra, tmp_path / "extra")
    refused(tmp_path / "extra", r"unexpected key\(s\) 'junk'", into=model)
    nn.load(tmp_path / "extra", into=model, strict=False)  # the junk member is never read
    nn.save(nn.optim.SGD(model.parameters(), lr=0.1).state_dict(), tmp_path / "opt")
    refused(tmp_path / "opt", "holds nested state", into=model)


def test_loading_into_a_module_with_buffers(tmp_path) -> None:
    if not hasattr(nn, "BatchNorm1d"):
        pytest.skip("needs nn.BatchNorm1d, whose buffers are part of its state_dict")
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(autograd.randn(8, 3))  # training mode: the running statistics move
    nn.save(model, tmp_path / "bn")
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    nn.load(tmp_path / "bn", into=other)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], value, err_msg=name)


def test_error_messages_stay_readable_for_long_names(tmp_path) -> None:
    model = nn.MLP([2, 2], seed=0)
    nn.save({f"{'n' * 900}{i}": np.ones(1) for i in range(300)}, tmp_path / "long")
    message = refused(tmp_path / "long", "does not fit", into=model)
    assert "more" in message


# -- saving: temp files and kill -9 -------------------------------------------------------


def test_save_errors_name_the_users_path(tmp_path) -> None:
    target = tmp_path / "no-such-dir" / "ckpt"
    with pytest.raises(FileNotFoundError) as info:
        nn.save({"w": np.ones(1)}, target)
    assert str(target) + ".npz" in str(info.value) and ".tmp" not in str(info.value)
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"d\.npz"):
        nn.save({"w": np.ones(1)}, tmp_path / "d.npz")


@pytest.mark.skipif(os.name != "posix", reason="elsewhere stale temp files are known by age alone")
def test_stale_temp_files_of_the_same_target_are_removed(tmp_path) -> None:
    target = tmp_path / "model.npz"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale_dead = tmp_path / f".model.npz.{int(dead.stdout)}.0123456789abcdef.tmp"
    stale_old = tmp_path / ".model.npz.fedcba9876543210.tmp"  # the older naming, no pid
    fresh_alive = tmp_path / f".model.npz.{os.getpid()}.00000000000000aa.tmp"
    other_target = tmp_path / f".other.npz.{int(dead.stdout)}.0123456789abcdef.tmp"
    for p in (stale_dead, stale_old, fresh_alive, other_target):
        p.write_bytes(b"half a checkpoint")
    old = time.time() - 3600
    os.utime(stale_old, (old, old))
    nn.save({"w": np.ones(1)}, target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([target.name, fresh_alive.name, other_target.name])
    import fcntl  # a temp file a writer holds locked is never removed, however old

    os.utime(fresh_alive, (old, old))
    with open(fresh_alive, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        nn.save({"w": np.ones(1)}, target)
        assert fresh_alive.exists()
    nn.save({"w": np.ones(1)}, target)
    assert not fresh_alive.exists()


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import nn
    state = {f"w{i}": np.full(2_000_000, float(i)) for i in range(4)}  # 64 MB
    print("ready", flush=True)
    while True:
        nn.save(state, sys.argv[1])
    """
)


@pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")
def test_kill_9_during_saves_leaves_a_valid_file_and_the_next_save_cleans_up(tmp_path) -> None:
    target = tmp_path / "ckpt.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = np.random.default_rng(0)
    temps_seen = 0
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(target)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout.readline() == b"ready\n"
        time.sleep(0.05 + rng.random() * 0.4)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        temps_seen += len(list(tmp_path.glob(".ckpt.npz.*.tmp")))
        if target.exists():  # each complete file is valid: the rename is atomic
            state = nn.load(target)
            assert sorted(state) == ["w0", "w1", "w2", "w3"]
            np.testing.assert_array_equal(state["w3"], np.full(2_000_000, 3.0))
    nn.save({"w": np.ones(1)}, target)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]
    assert list(nn.load(target)) == ["w"]
    assert temps_seen > 0  # some kill landed mid-write, or this test proves nothing


# -- properties ---------------------------------------------------------------------------


def _checkpoint_bytes() -> list[bytes]:
    with tempfile.TemporaryDirectory() as d:
        plain = nn.save({"w": np.arange(12.0).reshape(3, 4), "n": np.array(3)}, Path(d) / "a")
        np.savez_compressed(Path(d) / "c.npz", w=np.arange(100.0), i=np.arange(5))
        opt = nn.optim.Adam(nn.MLP([2, 3], seed=0).parameters())
        nested = nn.save(opt.state_dict(), Path(d) / "o")
        return [plain.read_bytes(), (Path(d) / "c.npz").read_bytes(), nested.read_bytes()]


SOURCES = _checkpoint_bytes()


@settings(max_examples=100)
@given(
    source=st.sampled_from(SOURCES),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255), st.sampled_from("sit")),
        min_size=1,
        max_size=4,
    ),
)
def test_damaged_checkpoints_load_or_raise_checkpoint_error(source, edits) -> None:
    """Bytes set, inserted or cut anywhere: nn.load raises nothing but CheckpointError."""
    blob = bytearray(source)
    for where, value, kind in edits:
        if not blob:
            break
        i = int(where * len(blob))
        if kind == "s":
            blob[i] = value
        elif kind == "i":
            blob[i:i] = bytes([value]) * (value % 7 + 1)
        else:
            blob = blob[:i]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.npz"
        path.write_bytes(bytes(blob))
        try:
            state = nn.load(path)
        except nn.CheckpointError as err:
            assert len(str(err)) <= 600
            return
    assert isinstance(state, dict)


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.builds(np.arange, st.integers(0, 4)).map(lambda a: a.astype(np.float32))
)
_keys = st.text(min_size=1, max_size=8) | st.integers(-3, 3)
_nested = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_keys, inner, max_size=3)
    ),
    max_leaves=12,
)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


@given(state=st.dictionaries(st.text(min_size=1, max_size=8), _nested, min_size=1, max_size=4))
def test_nested_state_round_trips_with_its_types(state) -> None:
    state = {**state, "marker": [1.5]}  # at least one non-array: saved as nested state
    with tempfile.TemporaryDirectory() as d:
        try:
            path = nn.save(state, Path(d) / "s")
        except ValueError as err:  # a key NUL or over-long once typed: refused, nothing written
            assert "key" in str(err) and not list(Path(d).iterdir())
            return
        assert _same(state, nn.load(path))

"""nn.save / nn.load: exact round trips, atomic writes, and no unpickling ever."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor


class Marker:
    """Unpickling this object creates a file: proof that code from a checkpoint ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def sample_state() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "w64": rng.normal(size=(3, 4)),
        "w32": rng.normal(size=(5,)).astype(np.float32),
        "w16": rng.normal(size=(2, 2)).astype(np.float16),
        "steps": np.array(12, dtype=np.int64),
        "counts": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "mask": np.array([True, False]),
        "z": np.array([1 + 2j], dtype=np.complex64),
        "file": np.zeros(1),  # a name np.savez(**kwargs) cannot take
        "layers.0.weight": np.ones((1, 1)),
        "empty": np.zeros((0, 3)),
    }


def leftover_temp_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_round_trip_is_exact(tmp_path: Path) -> None:
    state = sample_state()
    written = nn.save(state, tmp_path / "ckpt.npz")
    assert written == tmp_path / "ckpt.npz" and written.exists()
    loaded = nn.load(written)
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype, key
        assert loaded[key].shape == value.shape, key
        np.testing.assert_array_equal(loaded[key], value)
    # The file is an ordinary .npz: NumPy reads it too, without pickle.
    with np.load(written, allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["w32"], state["w32"])
    assert leftover_temp_files(tmp_path) == []


def test_module_round_trip_float32(tmp_path: Path) -> None:
    model = nn.MLP([3, 4, 2], dtype=np.float32, seed=0)
    nn.save(model, tmp_path / "model")
    other = nn.MLP([3, 4, 2], dtype=np.float32, seed=1)
    other.load_state_dict(nn.load(tmp_path / "model"))
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters(), strict=True):
        assert b.dtype == np.float32, name
        np.testing.assert_array_equal(a.data, b.data)


def test_tensors_are_saved_as_their_arrays(tmp_path: Path) -> None:
    nn.save({"t": Tensor(np.arange(3.0), requires_grad=True)}, tmp_path / "t.npz")
    np.testing.assert_array_equal(nn.load(tmp_path / "t.npz")["t"], np.arange(3.0))


def test_npz_suffix_is_added_consistently(tmp_path: Path) -> None:
    assert nn.save({"a": np.ones(1)}, tmp_path / "ckpt") == tmp_path / "ckpt.npz"
    assert not (tmp_path / "ckpt").exists()
    assert list(nn.load(tmp_path / "ckpt")) == ["a"]
    assert list(nn.load(str(tmp_path / "ckpt.npz"))) == ["a"]
    assert nn.save({"a": np.ones(1)}, tmp_path / "run.v2") == tmp_path / "run.v2.npz"
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing")
    with pytest.raises(TypeError, match="path"):
        nn.save({"a": np.ones(1)}, 3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.array([object()]), "dtype object"),
        (np.array(["a", "b"]), "dtype <U1"),
        (np.zeros(2, dtype=[("x", "f8")]), "dtype"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
        ({1, 2}, "is a set"),
        (object(), "is a object"),
    ],
)
def test_save_refuses_non_numeric_values_naming_the_key(tmp_path: Path, value, message) -> None:
    target = tmp_path / "bad.npz"
    with pytest.raises(TypeError, match=f"'bad_key'.*{message}|{message}.*'bad_key'"):
        nn.save({"good": np.ones(2), "bad_key": value}, target)
    assert not target.exists() and leftover_temp_files(tmp_path) == []


def test_save_refuses_other_objects_and_bad_keys(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Module or a state dict"):
        nn.save([np.ones(1)], tmp_path / "x")
    with pytest.raises(TypeError, match="non-empty strings"):
        nn.save({1: np.ones(1)}, tmp_path / "x")


def test_failed_save_leaves_the_old_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.arange(4.0)}, path)
    original = path.read_bytes()
    with pytest.raises(TypeError, match="'w'"):
        nn.save({"w": np.array([object()])}, path)
    assert path.read_bytes() == original
    assert leftover_temp_files(tmp_path) == []


def test_crash_while_writing_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.arange(4.0)}, path)
    original = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(fp, array, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second array: the temp file is half written
            raise OSError("disk full")
        return real_write(fp, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"a": np.ones(3), "b": np.ones(3)}, path)
    assert len(calls) == 2
    assert path.read_bytes() == original
    assert leftover_temp_files(tmp_path) == []


def test_failed_rename_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.arange(4.0)}, path)
    original = path.read_bytes()

    def failing_replace(src, dst):
        raise PermissionError("rename refused")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        nn.save({"w": np.zeros(4)}, path)
    assert path.read_bytes() == original
    assert leftover_temp_files(tmp_path) == []


def test_pickle_file_is_refused_without_unpickling(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.npz"
    evil.write_bytes(pickle.dumps({"w": Marker(marker)}))
    with pytest.raises(ValueError, match=r"not a numeric \.npz checkpoint"):
        nn.load(evil)
    assert not marker.exists()
    pickle.loads(evil.read_bytes())  # the payload is live: unpickling would run it
    assert marker.exists()


def test_object_array_inside_npz_is_refused_without_unpickling(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = Marker(marker)
    np.savez(evil, good=np.ones(2), w=payload)  # np.savez pickles object arrays
    with pytest.raises(nn.CheckpointError, match=r"member 'w\.npy' holds Python objects"):
        nn.load(evil)
    assert not marker.exists()


def test_single_npy_and_junk_files_are_refused(tmp_path: Path) -> None:
    npy = tmp_path / "single.npz"
    with open(npy, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        nn.load(npy)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match=r"not a numeric \.npz"):
        nn.load(junk)


def test_non_array_member_in_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "extra.npz"
    nn.save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match=r"member 'notes\.txt'"):
        nn.load(path)


def test_structured_array_in_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rec.npz"
    with zipfile.ZipFile(path, "w") as zf, zf.open("r.npy", "w") as member:
        np.lib.format.write_array(member, np.zeros(2, dtype=[("x", "f8")]))
    with pytest.raises(nn.CheckpointError, match=r"member 'r\.npy' has dtype .*x.*f8"):
        nn.load(path)

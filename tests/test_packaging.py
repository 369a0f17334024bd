"""pyproject.toml lists every package, so that an installed scratchgrad is complete."""

from pathlib import Path

import pytest

# tomllib is in the standard library from Python 3.11 (the project supports 3.10).
tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("autograd", "nn", "viz")
        for init in (ROOT / top).rglob("__init__.py")
    }
    # A wheel built from an explicit list leaves out any subpackage not named
    # (autograd.ops was missing once).
    assert found <= listed, sorted(found - listed)

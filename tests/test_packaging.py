"""The wheel holds every package of the source tree.

An editable install imports from the checkout and so hides a package that
the build leaves out (``autograd.ops`` once was): build a real wheel and
compare its contents with the tree. ``.ci/check-install`` goes further and
installs the wheel and the sdist into fresh environments.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def source_packages() -> set[str]:
    return {
        str(init.parent.relative_to(ROOT)).replace("\\", "/")
        for top in ("autograd", "nn", "viz")
        for init in (ROOT / top).rglob("__init__.py")
    }


def test_the_wheel_holds_every_package(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools")
    # Build from a copy: setuptools writes build/ and *.egg-info/ next to the source.
    src = tmp_path / "src"
    for top in ("autograd", "nn", "viz"):
        shutil.copytree(ROOT / top, src / top, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("scratchgrad-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    folders = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    packages = source_packages()
    assert {"autograd", "autograd/ops", "nn", "viz"} <= packages
    assert packages <= folders, f"missing from the wheel: {sorted(packages - folders)}"
    for top in ("autograd", "nn", "viz"):
        assert f"{top}/py.typed" in names

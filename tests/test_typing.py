"""Type checkers see the installed package: mypy --strict and pyright on a user's script.

The wheel is built from this checkout and installed, not editable, into a
fresh virtual environment (which sees NumPy and the rest from the test's own
environment). A correct user script, copied outside the checkout, must give no error;
each planted mistake must give an error on its own line, from both checkers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_SCRIPT = Path(__file__).resolve().parent / "typing_user" / "user_script.py"

# Mistakes a user could make, each of which a checker must flag on its line.
PLANTED = {
    "item() is a float": 'loss.item() + "x"',
    "shape as a string": 'autograd.randn("3", 2)',
}

PLANTED_PRELUDE = "import autograd\n\nloss = autograd.randn(3, 2, requires_grad=True).sum()\n"


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is part of the test extra)")


def _clean_env() -> dict[str, str]:
    # Nothing may point the checkers (or the venv's Python) back at the checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout
    )


def _make_venv(venv: Path) -> Path:
    """A fresh venv that sees the packages of this test's environment (NumPy,
    pip, ...) after its own, through a ``.pth`` file. ``--system-site-packages``
    would lend it the base interpreter's packages instead, which differ when
    the tests themselves run in a virtual environment."""
    result = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    assert result.returncode == 0, result.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site_dir = _run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], venv)
    ours = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (Path(site_dir.stdout.strip()) / "_test_env.pth").write_text("\n".join(ours) + "\n")
    return python


def _setuptools_builds_wheels() -> bool:
    """Whether the installed setuptools can build the project without a download:
    new enough for pyproject.toml's build requirement, and (before 70.1, which
    ships bdist_wheel) with the wheel package beside it."""
    try:
        have = _version_tuple(importlib.metadata.version("setuptools"))
    except importlib.metadata.PackageNotFoundError:
        return False
    wanted = re.search(r'"setuptools>=([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    if wanted and have < _version_tuple(wanted.group(1)):
        return False
    return have >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:2])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A venv with the wheel installed, and a folder of user scripts outside the checkout."""
    base = tmp_path_factory.mktemp("typing")
    src = base / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("autograd", "nn", "viz"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist")]
    if _setuptools_builds_wheels():
        build.append("--no-build-isolation")
    result = _run([*build, str(src)], cwd=base)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (base / "dist").glob("scratchgrad-*.whl")

    venv = base / "venv"
    python = _make_venv(venv)
    # --ignore-installed: the environment lent to the venv may hold scratchgrad
    # already (CI installs it); pip must install the wheel's copy anyway, and
    # leave that one alone.
    result = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        cwd=base,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The checkers must see the wheel's copy, not this checkout.
    where = _run([str(python), "-c", "import autograd, nn, viz; print(autograd.__file__)"], base)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve().is_relative_to(venv.resolve()), where.stdout

    user = base / "user"
    user.mkdir()
    shutil.copy2(USER_SCRIPT, user / "good.py")
    lines = [PLANTED_PRELUDE]
    for what, code in PLANTED.items():
        lines.append(f"print({code})  # planted: {what}\n")
    (user / "bad.py").write_text("".join(lines))
    return {"python": python, "user": user}


def _planted_lines(user: Path) -> set[int]:
    text = (user / "bad.py").read_text().splitlines()
    return {k for k, line in enumerate(text, start=1) if "# planted:" in line}


def test_the_wheel_ships_every_subpackage_and_the_type_markers(installed):
    site = _run(
        [
            str(installed["python"]),
            "-c",
            "import autograd, os; print(os.path.dirname(autograd.__file__))",
        ],
        installed["user"],
    ).stdout.strip()
    package = Path(site)
    for marker in ("autograd/py.typed", "nn/py.typed", "viz/py.typed"):
        assert (package.parent / marker).is_file(), marker
    assert (package / "ops" / "__init__.py").is_file()


def test_mypy_strict(installed):
    _need("mypy")
    user = installed["user"]
    result = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(installed["python"]),
            "--cache-dir",
            str(user / ".mypy_cache"),
            "--show-error-codes",
            "good.py",
            "bad.py",
        ],
        cwd=user,
    )
    out = result.stdout + result.stderr
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith("good.py")], out
    flagged = {int(e.split(":")[1]) for e in errors if e.startswith("bad.py")}
    assert flagged == _planted_lines(user), out


def test_pyright(installed):
    _need("pyright")
    user = installed["user"]
    result = _run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            str(installed["python"]),
            "good.py",
            "bad.py",
        ],
        cwd=user,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright gave no report:\n{result.stdout}\n{result.stderr}")
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    text = json.dumps(errors, indent=1)
    assert not [d for d in errors if Path(d["file"]).name == "good.py"], text
    flagged = {d["range"]["start"]["line"] + 1 for d in errors if Path(d["file"]).name == "bad.py"}
    assert flagged == _planted_lines(user), text


def test_the_readme_editable_install_is_visible_to_mypy(tmp_path):
    """``pip install -e .`` (the README's command) gives a static path entry that
    type checkers follow, not an import hook that only the interpreter runs."""
    _need("mypy")
    if not _setuptools_builds_wheels():
        pytest.skip("setuptools >= 70.1 (or the wheel package) is needed to build offline")
    src = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("autograd", "nn", "viz"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    venv = tmp_path / "venv"
    python = _make_venv(venv)
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--ignore-installed",
    ]
    result = _run([*install, "-e", str(src)], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    pth = [p.read_text().strip() for p in venv.rglob("*scratchgrad*.pth")]
    assert pth == [str(src)], pth  # a plain directory entry, no import hook
    user = tmp_path / "user"
    user.mkdir()
    shutil.copy2(USER_SCRIPT, user / "good.py")
    result = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(python),
            "--cache-dir",
            str(user / ".mypy_cache"),
            "good.py",
        ],
        cwd=user,
    )
    assert result.returncode == 0, result.stdout + result.stderr

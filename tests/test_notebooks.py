"""Every notebook in examples/ runs from top to bottom, and each graph cell shows one SVG.

The notebooks are committed without outputs; this test executes them with
nbclient in a fresh kernel (the test extra installs nbclient, nbformat and
ipykernel). Cells tagged ``graph`` must display exactly one
``image/svg+xml`` output, cells tagged ``plot`` one ``image/png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is part of the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is part of the test extra")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))
EXPECTED = {"from_scratch", "training", "gradient_checking", "drawing_graphs"}


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _rich_outputs(cell, mime: str) -> list:
    return [
        out
        for out in cell.outputs
        if out.output_type in ("display_data", "execute_result") and mime in out.get("data", {})
    ]


def test_the_notebooks_are_there():
    assert {path.stem for path in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for k, cell in enumerate(_code_cells(nb)):
        assert cell.outputs == [], f"{path.name}: code cell {k} has committed outputs"
        assert cell.execution_count is None, f"{path.name}: code cell {k} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_graph_cells_show_one_svg(path, tmp_path, monkeypatch):
    # The kernel imports this checkout's packages, as the tests do, and runs in
    # a scratch folder so that files a notebook writes land there.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    tagged = {"graph": 0, "plot": 0}
    for k, cell in enumerate(_code_cells(nb)):
        tags = cell.metadata.get("tags", [])
        errors = [out for out in cell.outputs if out.output_type == "error"]
        assert not errors, f"{path.name}: code cell {k} raised {errors[0].ename}"
        svgs = _rich_outputs(cell, "image/svg+xml")
        pngs = _rich_outputs(cell, "image/png")
        if "graph" in tags:
            tagged["graph"] += 1
            assert len(svgs) == 1, f"{path.name}: graph cell {k} gave {len(svgs)} SVG outputs"
            svg = svgs[0]["data"]["image/svg+xml"]
            assert "<svg" in svg and "</svg>" in svg
        else:
            assert not svgs, f"{path.name}: cell {k} shows an SVG but is not tagged 'graph'"
        if "plot" in tags:
            tagged["plot"] += 1
            assert len(pngs) == 1, f"{path.name}: plot cell {k} gave {len(pngs)} PNG outputs"
    assert tagged["graph"] >= 1, f"{path.name} has no graph cell"

"""The README's Python examples run as written (so the README stays true)."""

import re
from pathlib import Path

import pytest

from autograd import GradcheckError

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path, monkeypatch) -> None:
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    # Each block runs alone, as a reader would paste it (no imports added).
    code = BLOCKS[index]
    namespace: dict = {"__name__": "readme_example"}
    if code.startswith("# (continuing the example above)"):
        exec(compile(BLOCKS[index - 1], f"README block {index - 1}", "exec"), namespace)
    if "raises GradcheckError" in code:
        # The last line shows a wrong gradient being caught.
        head, last = code.rstrip().rsplit("\n", 1)
        exec(compile(head, f"README block {index}", "exec"), namespace)
        with pytest.raises(GradcheckError, match="Jacobian mismatch"):
            exec(compile(last, f"README block {index}", "exec"), namespace)
        return
    exec(compile(code, f"README block {index}", "exec"), namespace)
    if "opt" in namespace and "model" in namespace:
        # An optimizer built from parameter groups must still train every layer.
        opt, model = namespace["opt"], namespace["model"]
        grouped = {id(p) for group in opt.param_groups for p in group["params"]}
        left_out = [name for name, p in model.named_parameters() if id(p) not in grouped]
        assert not left_out, f"README block {index}: the optimizer never updates {left_out}"
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()  # hypothesis tests defined in the example: run them

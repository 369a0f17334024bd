"""Sphinx configuration of the API reference (built by ``.ci/docs``)."""

import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The reference documents this checkout, whatever else is installed.
sys.path.insert(0, str(ROOT))

project = "scratchgrad"
author = "the scratchgrad authors"
copyright = "the scratchgrad authors"
# The version pyproject.toml declares (tomllib is not in Python 3.10).
_version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
release = version = _version.group(1) if _version else "unknown"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]

# Docstrings are NumPy style.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# Types in docstrings are prose ("float in [0, 1]", "shape (N, C)"), shown as
# written; cross-references are checked in signatures and in explicit roles.
napoleon_use_param = False
napoleon_preprocess_types = False

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"

# Every reference must resolve. Names from other projects (NumPy, graphviz,
# hypothesis, the standard library's typing) have no inventory here, because
# the build runs offline, so they are exempt; everything of this project's is not.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|graphviz|hypothesis|st|typing|collections|os|pathlib|types)(\..*)?"),
    (r"py:.*", r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Self|SupportsIndex|Path)"),
    (r"py:.*", r"(ArrayLike|DTypeLike|NDArray|ndarray|dtype|SearchStrategy|PathLike|Axis)"),
    (r"py:.*", r"(int|float|bool|str|bytes|dict|list|tuple|set|None|object|callable|optional)"),
    (r"py:.*", r"(str|dict|list|tuple)[.\[].*"),
    (r"py:.*", r"(array_like|array-like|mapping|iterable|sequence|strategy|type)"),
    # Tensor's methods come from one mixin per group of operations
    # (autograd/ops/*.py); the reference lists them under Tensor itself.
    (r"py:class", r"autograd\.ops\.\w+\.\w+Methods"),
    # Result types of the ops ((values, indices), (min, max)): named tuples
    # whose fields the methods' docstrings describe.
    (r"py:class", r"autograd\.ops\.\w+\.(ValuesIndices|MinMax)"),
    # The op modules themselves (where each primitive lives) are internal.
    (r"py:mod", r"autograd\.ops(\..*)?"),
    # Private bases and helpers (shown by show-inheritance) are not part of the API.
    (r"py:.*", r"(.*\.)?_\w+"),
    # The compiler's and the engine's internal modules, named by the design notes.
    (r"py:.*", r"autograd\.(engine|compiler\.(trace|program|ops\w*|builder))(\..*)?"),
    # viz's internal modules (the graph walk, DOT, rendering) are not part of
    # the reference; docstrings of the public functions may still point there.
    (
        r"py:.*",
        r"viz\.(graph|modules|dot|render|style|record|summary|text|layout|fold|expand|page)(\..*)?",
    ),
    # autograd.Function.needs_input_grad's docstring starts "For each input: ...",
    # which napoleon reads as a type.
    (r"py:class", r"For each input"),
]

html_theme = "alabaster"
html_static_path: list[str] = []


def _resolve_reexported(app, env, node, contnode):
    """Resolve ``autograd.tensor.Tensor`` to ``autograd.Tensor``, and the like.

    Annotations name a class by the module that defines it; the reference
    documents it where users import it from (the package). Same object, so
    the reference is redirected to the package-level entry.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    parts = target.split(".")
    if len(parts) < 3:
        return None
    domain = env.get_domain("py")
    for k in range(len(parts) - 2, 0, -1):
        candidate = ".".join(parts[:k] + parts[-1:])
        if candidate in domain.objects:
            node["reftarget"] = candidate
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], candidate, node, contnode
            )
    return None


def _skip_properties_listed_as_attributes(app, what, name, obj, skip, options):
    """A property that its class's ``Attributes`` section already describes is
    not described a second time (Sphinx would report a duplicate)."""
    if skip or not isinstance(obj, property) or obj.fget is None:
        return None
    owner = sys.modules.get(obj.fget.__module__)
    for part in obj.fget.__qualname__.split(".")[:-1]:
        owner = getattr(owner, part, None)
    doc = inspect.getdoc(owner) or ""
    if "Attributes\n----------" in doc and re.search(rf"^{re.escape(name)} :", doc, re.M):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _resolve_reexported)
    app.connect("autodoc-skip-member", _skip_properties_listed_as_attributes)

"""Op-table rows for ``autograd/ops/inplace.py``."""

from __future__ import annotations

from tests.autograd.opspec import OpSpec

ROWS: list[OpSpec] = []

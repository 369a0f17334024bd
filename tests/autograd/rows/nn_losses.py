"""Op-table rows for nn losses, distances and padding."""

from tests.autograd.opspec import OpSpec

ROWS: list[OpSpec] = []

"""The fault matrix in a quick form: a representative fault of each family, both modes, both
surfaces (the full matrix: `python tests/reliability/fault_matrix.py`)."""

from __future__ import annotations

from tests.reliability._matrix import FAULTS, both_matrices, render

QUICK = ("500", "truncated JSON", "no-answer", "bad-utf8")
QUICK_FAULTS = tuple(fault for fault in FAULTS if fault.name in QUICK)


def test_every_quick_cell_passes() -> None:
    export, app = both_matrices(QUICK_FAULTS, parallel=2 * len(QUICK_FAULTS))
    table = render(QUICK_FAULTS, export, app)
    assert len(export) == len(app) == 2 * len(QUICK_FAULTS)
    assert all(cell.ok for cell in [*export.values(), *app.values()]), "\n" + table

"""Grid work's rows of the access matrix (tests/test_access_matrix.py)."""

from tests.access_support import page

ROWS = {
    "grid.index": page(roles=["admin", "grid_worker", "handler", "outsider"]),
}

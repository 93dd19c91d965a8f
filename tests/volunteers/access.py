"""The help group's rows of the access matrix (tests/test_access_matrix.py)."""

from tests.access_support import page

ROWS = {
    "volunteers.index": page(roles=["admin", "coordinator", "volunteer"]),
}

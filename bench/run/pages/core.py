"""The foundation's rows (app.core): the floor as a logged-in user, home, administration, notifications.

They do not reach 0.5 yet: measured on 2 cores at scale 100000 (see bench/README.md) home ~0.45,
admin users ~0.10, admin audit ~0.08, notifications ~0.19, admin units ~0.15; hence ``min_ratio: None``.
"""

PAGES = [
    # The floor again, as the logged-in bench administrator: what being logged in costs every page (the
    # session, the query that loads the user with their roles and unread count, the menu).
    {"name": "floor logged in", "path": "/_bench/floor", "min_ratio": None, "max_queries": 1},
    # ... and writing one audit entry as every view of a case's details must (GET /_bench/audited).
    {"name": "floor + audit entry", "path": "/_bench/audited", "min_ratio": None, "max_queries": 2},
    {"name": "home", "path": "/", "min_ratio": None, "max_queries": 4},
    {"name": "admin users", "path": "/admin/users", "min_ratio": None},
    {"name": "admin audit", "path": "/admin/audit", "min_ratio": None, "max_queries": 8},
    {"name": "notifications", "path": "/notifications", "min_ratio": None, "max_queries": 5},
    {"name": "admin units", "path": "/admin/units", "min_ratio": None, "max_queries": 6},
]

"""The foundation's rows (app.core): the logged-in floors, home, administration, notifications.

The two floors after ``FLOOR`` are the floors of the other pages: ``"floor logged in"`` for a page that only
reads, ``"floor + audit entry"`` for one that must also write an audit entry. Measured against the floor
below them, they show what being logged in and what one audit entry cost. The core pages are report-only
(``min_ratio: None``) for now.
"""

PAGES = [
    # The floor again, as the logged-in bench administrator: what being logged in costs every page (the
    # session, the query that loads the user with their roles and unread count, the menu).
    {"name": "floor logged in", "path": "/_bench/floor", "floor": "floor", "min_ratio": None, "max_queries": 1},
    # ... and writing one audit entry as every view of a case's details must (GET /_bench/audited).
    {
        "name": "floor + audit entry",
        "path": "/_bench/audited",
        "floor": "floor logged in",
        "min_ratio": None,
        "max_queries": 2,
    },
    {"name": "home", "path": "/", "floor": "floor logged in", "min_ratio": None, "max_queries": 4},
    {"name": "admin users", "path": "/admin/users", "floor": "floor logged in", "min_ratio": None},
    {"name": "admin audit", "path": "/admin/audit", "floor": "floor logged in", "min_ratio": None, "max_queries": 8},
    {
        "name": "notifications",
        "path": "/notifications",
        "floor": "floor logged in",
        "min_ratio": None,
        "max_queries": 5,
    },
    {"name": "admin units", "path": "/admin/units", "floor": "floor logged in", "min_ratio": None, "max_queries": 6},
]

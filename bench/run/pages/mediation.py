"""The mediation studio's rows (app.mediation). The issue's acceptance: the case list and a case page at
100,000 cases, SQL statements per request that do not grow with cases or parties, and a cost close to the
floor that does the page's mandatory work: the logged-in floor for the lists, the floor that also writes an
audit entry for the case pages (every view of a case's details is logged)."""

# The mediation pages' SQL statements, measured at scales 1,000 and 100,000 (bench admin): the same at
# both, and for the 2- and 6-party cases (app of 2026-11-28, commit a7910e5).
MAX_QUERIES_CASE_LIST = 8
MAX_QUERIES_CASE_PAGE = 13

PAGES = [
    {
        "name": "case list",
        "path": "/mediation/",
        "floor": "floor logged in",
        "min_ratio": 0.45,
        "max_queries": MAX_QUERIES_CASE_LIST,
    },
    {
        "name": "case list filtered",
        # a search by name or number never goes into the URL: the row posts the filter form first and measures
        # the list it redirects to (?search=<token>, the filters kept in the session; app.core.searches)
        "path": "/mediation/",
        "search": {"status": "in_mediation", "q": "张"},
        "floor": "floor logged in",
        "min_ratio": 0.45,
        "max_queries": MAX_QUERIES_CASE_LIST,
    },
    # {case_2_parties} and {case_6_parties}: ids from bench.generate.mediation (mediation_cases); the two
    # cases are the same but for their parties, so the counts must be equal. Each view writes one audit row
    # (by design), as its floor does.
    {
        "name": "case page",
        "path": "/mediation/cases/{case_2_parties}",
        "floor": "floor + audit entry",
        "min_ratio": 0.40,
        "max_queries": MAX_QUERIES_CASE_PAGE,
    },
    {
        "name": "case page 6 parties",
        "path": "/mediation/cases/{case_6_parties}",
        "floor": "floor + audit entry",
        "min_ratio": 0.40,
        "max_queries": MAX_QUERIES_CASE_PAGE,
        "same_queries_as": "case page",
    },
]

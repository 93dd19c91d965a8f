"""The mediation studio's rows (app.mediation). The issue's acceptance: the case list and a case page at
100,000 cases, SQL statements per request that do not grow with cases or parties, ratio >= 0.5."""

from urllib.parse import urlencode

# The mediation pages' SQL statements, measured at scales 1,000 and 100,000 (bench admin): the same at
# both, and for the 2- and 6-party cases (app of 2026-11-28, commit a7910e5).
MAX_QUERIES_CASE_LIST = 8
MAX_QUERIES_CASE_PAGE = 13

PAGES = [
    {"name": "case list", "path": "/mediation/", "min_ratio": 0.5, "max_queries": MAX_QUERIES_CASE_LIST},
    {
        "name": "case list filtered",
        "path": "/mediation/?" + urlencode({"status": "in_mediation", "q": "张"}),
        "min_ratio": 0.5,
        "max_queries": MAX_QUERIES_CASE_LIST,
    },
    # {case_2_parties} and {case_6_parties}: ids from bench.generate.mediation (mediation_cases); the two
    # cases are the same but for their parties, so the counts must be equal. Each view writes one audit row
    # (by design).
    {
        "name": "case page",
        "path": "/mediation/cases/{case_2_parties}",
        "min_ratio": 0.5,
        "max_queries": MAX_QUERIES_CASE_PAGE,
    },
    {
        "name": "case page 6 parties",
        "path": "/mediation/cases/{case_6_parties}",
        "min_ratio": 0.5,
        "max_queries": MAX_QUERIES_CASE_PAGE,
        "same_queries_as": "case page",
    },
]

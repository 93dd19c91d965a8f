"""The rows bench.run measures: the ``PAGES`` of every module of ``FEATURES``, in this order.

A row is a dict, opened as the bench administrator:

- name: short label, unique among all rows (``--page`` selects by it);
- path: what to GET; "{name}" is replaced by the id bench.generate put in ``ctx.refs[name]``;
- floor: the name of the row it is measured against (its *floor*): ``"floor"`` (``FLOOR``, anonymous),
  ``"floor logged in"`` or ``"floor + audit entry"`` (rows of bench.run.pages.core), the cheapest page that
  does the work this page cannot avoid. The page and its floor take turns in rounds; the row's ratio is the
  floor's server CPU milliseconds per request divided by the page's (medians over the rounds);
- min_ratio: lowest ratio accepted (default ``DEFAULT_MIN_RATIO``); None: measured and reported against
  ``DEFAULT_MIN_RATIO`` but not enforced (``--strict`` enforces it);
- max_queries (optional): most SQL statements per request accepted;
- same_queries_as (optional): the name of another row that must run exactly as many SQL statements;
- search (optional): {field: value} posted with the page's filter form once, after the login (as a browser
  does, with the CSRF token of the page); the row measures the list the search redirects to
  (``?search=<token>``, app.core.searches);
- user (optional): the row is requested as this user instead of the bench administrator: the name of the
  generator's ref (``ctx.refs``) that holds their phone number (password ``BENCH_PASSWORD``);
- form (optional): the row POSTs a form to its path instead of a GET: a function of the generator's refs
  returning (fields {name: value}, files [(name, filename, content type, bytes)]). The form's page (its path)
  is opened once for the CSRF token; every request then sends the form as multipart/form-data with a new
  ``submission_key`` (app.core.submissions), so each one is saved anew; "headers" ({name: value}) go along.
  The answer must be 200.

A feature adds its rows with a module of its own (``bench/run/pages/work_orders.py`` with
``PAGES = [{"name": "work orders", "path": "/work-orders/", "floor": "floor logged in", "min_ratio": 0.5}]``)
and one line: the module in ``FEATURES`` below.
"""

from bench.run import BenchError
from bench.run.pages import core, grid, mediation, volunteers

DEFAULT_MIN_RATIO = 0.5

# The floor of the floors: the base template, no queries, requested without a session.
FLOOR = {"name": "floor", "path": "/_bench/floor", "anonymous": True}

# The features whose pages are measured, in this order (the order of the tables).
FEATURES = [
    core,
    mediation,
    grid,
    volunteers,
]

PAGES = [page for feature in FEATURES for page in feature.PAGES]


def check_rows(pages):
    """Unique names, and a floor for every row that names a row (not itself)."""
    names = [FLOOR["name"]] + [page["name"] for page in pages]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"bench.run.pages: the same row name twice: {', '.join(duplicates)}")
    for page in pages:
        floor = page.get("floor")
        if floor not in names or floor == page["name"]:
            raise ValueError(
                f'bench.run.pages: the row {page["name"]!r} must name its floor ("floor": one of '
                f"{', '.join(repr(name) for name in names if name != page['name'])}), not {floor!r}"
            )


check_rows(PAGES)


def floor_of(page):
    """The row ``page`` is measured against (with the path as written, placeholders unresolved)."""
    if page["floor"] == FLOOR["name"]:
        return FLOOR
    return next(row for row in PAGES if row["name"] == page["floor"])


def select_pages(wanted):
    """The rows named (or whose path is) in ``wanted``; all of them when it is empty."""
    if not wanted:
        return list(PAGES)
    pages = [page for page in PAGES if page["name"] in wanted or page["path"] in wanted]
    unknown = set(wanted) - {page["name"] for page in pages} - {page["path"] for page in pages}
    if unknown:
        raise BenchError(f"unknown pages: {', '.join(sorted(unknown))}")
    return pages


def resolve_path(row, refs):
    """``row`` with the "{name}" placeholders of its path replaced by the generator's ids, the phone number of
    its "user" as "login", and the fields and files of its "form" as "form_data"."""
    try:
        resolved = dict(row, path=row["path"].format(**refs))
        if row.get("user"):
            resolved["login"] = refs[row["user"]]
        if row.get("form"):
            resolved["form_data"] = row["form"](refs)
        return resolved
    except (KeyError, IndexError) as error:
        raise BenchError(
            f"no id for the placeholder {error} of a page path (ctx.refs of bench.generate: {sorted(refs)})"
        ) from error


def resolve_paths(pages, refs):
    return [resolve_path(page, refs) for page in pages]

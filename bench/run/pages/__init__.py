"""The rows bench.run measures: the ``PAGES`` of every module of ``FEATURES``, in this order.

A row is a dict, opened as the bench administrator:

- name: short label, unique among all rows (``--page`` selects by it);
- path: what to GET; "{name}" is replaced by the id bench.generate put in ``ctx.refs[name]``;
- min_ratio: lowest page/floor req/s accepted (default ``DEFAULT_MIN_RATIO``); None: measured and
  reported against ``DEFAULT_MIN_RATIO`` but not enforced (``--strict`` enforces it);
- max_queries (optional): most SQL statements per request accepted;
- same_queries_as (optional): the name of another row that must run exactly as many SQL statements.

A feature adds its rows with a module of its own (``bench/run/pages/work_orders.py`` with
``PAGES = [{"name": "work orders", "path": "/work-orders/", "min_ratio": 0.5, "max_queries": 6}]``)
and one line: the module in ``FEATURES`` below.
"""

from bench.run import BenchError
from bench.run.pages import core, mediation

DEFAULT_MIN_RATIO = 0.5

# The reference every row is measured against: the base template, no queries, anonymous.
FLOOR = {"name": "floor", "path": "/_bench/floor"}

# The features whose pages are measured, in this order (the order of the tables).
FEATURES = [
    core,
    mediation,
]

PAGES = [page for feature in FEATURES for page in feature.PAGES]


def _check_names(pages):
    names = [FLOOR["name"]] + [page["name"] for page in pages]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"bench.run.pages: the same row name twice: {', '.join(duplicates)}")


_check_names(PAGES)


def select_pages(wanted):
    """The rows named (or whose path is) in ``wanted``; all of them when it is empty."""
    if not wanted:
        return list(PAGES)
    pages = [page for page in PAGES if page["name"] in wanted or page["path"] in wanted]
    unknown = set(wanted) - {page["name"] for page in pages} - {page["path"] for page in pages}
    if unknown:
        raise BenchError(f"unknown pages: {', '.join(sorted(unknown))}")
    return pages


def resolve_paths(pages, refs):
    """The pages with the "{name}" placeholders of their paths replaced by the generator's ids."""
    try:
        return [dict(page, path=page["path"].format(**refs)) for page in pages]
    except (KeyError, IndexError) as error:
        raise BenchError(
            f"no id for the placeholder {error} of a page path (ctx.refs of bench.generate: {sorted(refs)})"
        ) from error

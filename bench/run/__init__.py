"""Benchmark the pages against the bare floor route, on gunicorn, over real HTTP.

    python -m bench.run                    # scale 100000, plus a query-count check at scale 1000
    python -m bench.run --quick            # scale 2000, shorter measurements
    python -m bench.run --scales 1000,100000

For each scale: generate a database (bench.generate), start gunicorn on 127.0.0.1, log in as the
bench administrator, and measure requests per second of every page row (bench.run.pages) and of the
floor (``/_bench/floor``: the base template, no queries, anonymous) with the same closed-loop load.
A page passes when page req/s / floor req/s >= its ``min_ratio`` and its SQL statements per request
(the X-Query-Count header) stay within ``max_queries`` and are the same at every scale.
The table is printed and written to bench/results/latest.json; the exit status is 1 on any failure.

By concern:

- ``bench.run.cli``: the options, and one scale from end to end (generate, serve, log in, measure);
- ``bench.run.server``: the database of a scale (a SQLite file, or a schema of a PostgreSQL database)
  and gunicorn serving it;
- ``bench.run.load``: HTTP clients, the login, the closed-loop load, a page measured against the floor;
- ``bench.run.pages``: the rows to measure, one module per feature;
- ``bench.run.report``: the checks, the tables, the JSON results.
"""


class BenchError(Exception):
    """Something that must stop the run: a page that does not answer 200, a server that does not start."""


def log(message=""):
    print(message, flush=True)

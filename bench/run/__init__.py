"""Benchmark the pages against floors that do each page's mandatory work, on gunicorn, over real HTTP.

    python -m bench.run                    # scale 100000, plus a query-count check at scale 1000
    python -m bench.run --quick            # scale 2000, shorter measurements
    python -m bench.run --scales 1000,100000
    python -m bench.run --database-url postgresql://postgres@127.0.0.1:5432/postgres

For each scale: generate a database (bench.generate; on PostgreSQL a database of its own, created and dropped
by the run), explain every statement of every page (bench.run.plans), start gunicorn on 127.0.0.1, log in as
the bench administrator, and measure every page row (bench.run.pages) in rounds alternating with its floor
(the anonymous ``/_bench/floor``, the same logged in, or ``/_bench/audited``), under the same closed-loop load.
The primary figure is the server's CPU time per request: gunicorn's workers, plus PostgreSQL's backends serving
them. A page passes when floor CPU ms / page CPU ms >= its ``min_ratio``, its SQL statements per request (the
X-Query-Count header) stay within ``max_queries`` and are the same at every scale, and (PostgreSQL) no plan
reads a growing table by a sequential scan. The table is printed and written to bench/results/latest.json;
the exit status is 1 on any failure, 2 when the benchmark could not run.

By concern:

- ``bench.run.cli``: the options, and one scale from end to end (generate, explain, serve, log in, measure);
- ``bench.run.server``: the database of a scale (a SQLite file, or a PostgreSQL database of its own) and
  gunicorn serving it;
- ``bench.run.rawhttp``: the small HTTP/1.1 client on a raw socket;
- ``bench.run.cpu``: CPU time of processes from /proc (gunicorn's workers, PostgreSQL's backends);
- ``bench.run.load``: the login, the closed-loop load, a page measured against its floor;
- ``bench.run.figures``: per-request figures, medians, the ratio (pure functions);
- ``bench.run.plans``: statements captured in-process, EXPLAINed, sequential scans of growing tables;
- ``bench.run.pages``: the rows to measure, one module per feature;
- ``bench.run.report``: the checks, the tables, the JSON results.
"""


class BenchError(Exception):
    """Something that must stop the run: a page that does not answer 200, a server that does not start."""


def log(message=""):
    print(message, flush=True)

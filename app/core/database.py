"""Connection settings and upkeep of the embedded SQLite database.

SQLite's defaults suit a single program, not a web server with several worker processes:
write-ahead logging lets readers go on while one request writes, ``synchronous=NORMAL`` is the
setting SQLite documents as safe with WAL (a commit is durable once the WAL is checkpointed, and
the database is never corrupted), and ``busy_timeout`` makes a writer wait for another instead of
failing at once with "database is locked".

SQLite's query planner chooses indexes better with statistics, which it does not gather by itself:
SQLite recommends running ``PRAGMA optimize`` regularly on long-lived connections. It is run when a
connection returns to the pool after its first request and then after every ``OPTIMIZE_EVERY``
requests; with ``analysis_limit`` the statistics it gathers are sampled, so it stays quick on large
tables.
"""

import sqlite3

from sqlalchemy import event

BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA analysis_limit=1000",
)
OPTIMIZE_EVERY = 1000


def configure_engine(engine):
    if engine.dialect.name != "sqlite":
        return
    if engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()
        record.info["checkins"] = 0

    @event.listens_for(engine, "checkin")
    def optimize(dbapi_connection, record):
        if dbapi_connection is None:
            return
        checkins = record.info.get("checkins", 0)
        record.info["checkins"] = checkins + 1
        if checkins % OPTIMIZE_EVERY == 0:
            # the request is not answered yet: never wait for another writer, try again next round instead
            try:
                dbapi_connection.execute("PRAGMA busy_timeout=0")
                dbapi_connection.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            finally:
                dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

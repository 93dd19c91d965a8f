"""The server side: the database a scale is served from, and gunicorn serving it on 127.0.0.1."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bench.generate import normalise_database_url
from bench.run import BenchError, log
from bench.run.rawhttp import Connection, HttpError, build_request

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
DATABASE_PREFIX = "linli_bench_"
# The application_name of gunicorn's PostgreSQL connections: their backends' CPU is the database's share of
# a request (bench.run.cpu); the bench's own connections go by other names.
APP_NAME = "linli-bench-app"
PROBE_NAME = "linli-bench-probe"


# --- the database of a scale -----------------------------------------------------------------


class Databases:
    """Where the database of each scale lives: a SQLite file in the scale's folder (by default), or, with
    ``server_url`` (``--database-url``), a PostgreSQL database ``linli_bench_<scale>`` that the run creates on
    that server (the database the URL names is only connected to, never read) and drops at the end
    (``drop_created``, after gunicorn has stopped), unless the run keeps it (--keep, --reuse)."""

    def __init__(self, server_url=None):
        self.given_url = server_url
        self.server_url = normalise_database_url(server_url) if server_url else None
        try:
            backend = make_url(self.server_url).get_backend_name() if self.server_url else "postgresql"
        except ArgumentError as error:
            raise BenchError(f"--database-url: {error}") from error
        if backend != "postgresql":
            raise BenchError(
                f"--database-url takes a PostgreSQL server's URL, not {server_url!r} "
                "(without it, the SQLite databases are made in the work folder)"
            )
        self.created = []

    @property
    def dialect(self):
        return "postgresql" if self.server_url else "sqlite"

    @staticmethod
    def name(scale):
        return f"{DATABASE_PREFIX}{scale}"

    def url(self, scale, scale_dir, application_name=None):
        """The URL the generator and gunicorn (DATABASE_URL, with ``application_name``) use for ``scale``."""
        if not self.server_url:
            return f"sqlite:///{Path(scale_dir) / 'bench.sqlite3'}"
        url = make_url(self.server_url).set(database=self.name(scale))
        if application_name:
            url = url.update_query_dict({"application_name": application_name})
        return url.render_as_string(hide_password=False)

    def where(self):
        """The server, for messages: "PostgreSQL at host:port"."""
        url = make_url(self.server_url)
        return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"

    def describe(self, scale, scale_dir):
        if not self.server_url:
            return self.url(scale, scale_dir)
        return f"database {self.name(scale)} on {self.where()}"

    def exists(self, scale, scale_dir):
        if not self.server_url:
            return (Path(scale_dir) / "bench.sqlite3").exists()
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        return bool(self._execute(lambda conn: conn.scalar(query, {"name": self.name(scale)})))

    def create(self, scale, scale_dir):
        """An empty database for ``scale`` (PostgreSQL; nothing to do for SQLite, the generator makes the file)."""
        if not self.server_url:
            return
        name = self.name(scale)
        if self.exists(scale, scale_dir):
            server = make_url(self.given_url).render_as_string(hide_password=True)
            raise BenchError(
                f"the database {name} is already on {self.where()}, left by an earlier run (--keep or --reuse): "
                f"drop it first (psql '{server}' -c 'DROP DATABASE \"{name}\" WITH (FORCE)'), or pass the "
                "--reuse folder of the run that made it"
            )
        self._execute(lambda conn: conn.exec_driver_sql(f'CREATE DATABASE "{name}"'))
        self.created.append(name)

    def analyze(self, url):
        """Planner statistics for the database at ``url``. On PostgreSQL ``VACUUM (ANALYZE)``: the statistics, and
        the visibility map and hint bits that autovacuum would have set on a database in use (without them the
        first requests pay for setting hint bits, and index-only scans visit the table). On SQLite ANALYZE the
        first time, then ``PRAGMA optimize`` (which analyses again only the tables whose statistics are stale)."""
        engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if engine.dialect.name != "sqlite":
                    conn.exec_driver_sql("VACUUM (ANALYZE)")
                elif conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
                    conn.exec_driver_sql("PRAGMA optimize")
                else:
                    conn.exec_driver_sql("ANALYZE")
        finally:
            engine.dispose()

    @contextmanager
    def backend_pids(self, scale):
        """On PostgreSQL, a callable returning the pids of the backends serving gunicorn (application_name
        ``APP_NAME``) in the database of ``scale``, asked again at every call (the pools may open new
        connections); None on SQLite. It uses a connection of its own, kept open while the block runs."""
        if not self.server_url:
            yield None
            return
        engine = create_engine(
            make_url(self.server_url).update_query_dict({"application_name": PROBE_NAME}),
            isolation_level="AUTOCOMMIT",
        )
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :app AND datname = :db")
        try:
            with engine.connect() as conn:
                yield lambda: local_postgres(conn.scalars(query, {"app": APP_NAME, "db": self.name(scale)}))
        finally:
            engine.dispose()

    def drop_created(self):
        """Drop the databases this run made (gunicorn is stopped by then): end the connections left to them
        first."""
        while self.created:
            name = self.created.pop()
            self._execute(lambda conn, name=name: drop_database(conn, name))

    def _execute(self, work):
        engine = create_engine(
            make_url(self.server_url).update_query_dict({"application_name": PROBE_NAME}),
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as conn:
                return work(conn)
        except SQLAlchemyError as error:
            raise BenchError(f"{self.where()}: {getattr(error, 'orig', None) or error}") from error
        finally:
            engine.dispose()


def local_postgres(pids):
    """The pids that are PostgreSQL processes of this machine (a server elsewhere, or in a container, reports
    pids that are not, or are another process's here)."""
    found = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
                found.append(pid)
        except OSError:
            pass
    return found


def drop_database(conn, name):
    ended = conn.scalars(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    ).all()
    if ended:
        log(f"   ended {len(ended)} connection(s) left to {name}")
    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')


# --- gunicorn --------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1, stopped on exit of the ``with`` block whatever happens."""

    def __init__(self, workdir, database_url, workers):
        self.workdir = Path(workdir)
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.log_path = self.workdir / "gunicorn.log"
        self.proc = None
        self.log_file = None

    def __enter__(self):
        instance = self.workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        for name in ("REDIS_URL", "LINLI_ENV", "UPLOAD_FOLDER", "SERVER_NAME"):
            env.pop(name, None)
        env.update(
            {
                "LINLI_INSTANCE": str(instance),
                "DATABASE_URL": self.database_url,
                "SECRET_KEY": secrets.token_hex(32),
                "LINLI_BENCH": "1",
                "LINLI_COUNT_QUERIES": "1",
                "LINLI_ENV": "production",
                "PYTHONUNBUFFERED": "1",
            }
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        self.log_file = open(self.log_path, "wb")  # closed by stop()
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def wait_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        request = build_request("GET", "/healthz", f"127.0.0.1:{self.port}")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with Connection("127.0.0.1", self.port, timeout=2) as conn:
                    if conn.request(request).status == 200:
                        return
            except (OSError, HttpError):
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT} s:\n{self.log_tail()}")

    @property
    def master_pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

"""The server side: the database a scale is served from, and gunicorn serving it on 127.0.0.1."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bench.generate import normalise_database_url
from bench.run import BenchError

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
SCHEMA_PREFIX = "bench_scale_"


# --- the database of a scale -----------------------------------------------------------------


class Databases:
    """Where the database of each scale lives: a SQLite file in the scale's folder (by default), or, with
    ``server_url`` (``--database-url``), the schema ``bench_scale_<scale>`` of that PostgreSQL database.
    The generator and gunicorn reach the schema through a URL whose connections set their search_path
    to it. The schemas made by a run are dropped by ``drop_created`` (unless the run keeps them)."""

    def __init__(self, server_url=None):
        self.server_url = normalise_database_url(server_url) if server_url else None
        try:
            backend = make_url(self.server_url).get_backend_name() if self.server_url else "postgresql"
        except ArgumentError as error:
            raise BenchError(f"--database-url: {error}") from error
        if backend != "postgresql":
            raise BenchError(
                f"--database-url takes a PostgreSQL database, not {server_url!r} "
                "(without it, the SQLite databases are made in the work folder)"
            )
        self.created = []

    @property
    def dialect(self):
        return "postgresql" if self.server_url else "sqlite"

    @staticmethod
    def schema(scale):
        return f"{SCHEMA_PREFIX}{scale}"

    def url(self, scale, scale_dir):
        """The URL the generator and gunicorn (DATABASE_URL) use for ``scale``."""
        if not self.server_url:
            return f"sqlite:///{Path(scale_dir) / 'bench.sqlite3'}"
        url = make_url(self.server_url)
        options = " ".join(filter(None, [url.query.get("options"), f"-csearch_path={self.schema(scale)}"]))
        return url.update_query_dict({"options": options}).render_as_string(hide_password=False)

    def describe(self, scale, scale_dir):
        if not self.server_url:
            return self.url(scale, scale_dir)
        return f"schema {self.schema(scale)} of {make_url(self.server_url).render_as_string(hide_password=True)}"

    def exists(self, scale, scale_dir):
        if not self.server_url:
            return (Path(scale_dir) / "bench.sqlite3").exists()
        query = text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name")
        return bool(self._execute(lambda conn: conn.scalar(query, {"name": self.schema(scale)})))

    def create(self, scale, scale_dir):
        """An empty schema for ``scale`` (PostgreSQL; nothing to do for SQLite, the generator makes the file)."""
        if not self.server_url:
            return
        name = self.schema(scale)
        if self.exists(scale, scale_dir):
            raise BenchError(
                f"the schema {name} is already in {make_url(self.server_url).database}, left by an "
                f"earlier run (--keep or --reuse): drop it first (DROP SCHEMA {name} CASCADE)"
            )
        self._execute(lambda conn: conn.exec_driver_sql(f'CREATE SCHEMA "{name}"'))
        self.created.append(name)

    def drop_created(self):
        """Drop the schemas this run made (the server is stopped by then)."""
        while self.created:
            name = self.created.pop()
            self._execute(lambda conn, name=name: conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))

    def _execute(self, work):
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                return work(conn)
        except SQLAlchemyError as error:
            where = make_url(self.server_url).render_as_string(hide_password=True)
            raise BenchError(f"PostgreSQL at {where}: {getattr(error, 'orig', None) or error}") from error
        finally:
            engine.dispose()


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
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT} s:\n{self.log_tail()}")

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

"""Fixtures for the classroom store: a throw-away PostgreSQL cluster, and a store per backend.

`pg_server` runs Debian's PostgreSQL (/usr/lib/postgresql/<version>/bin) from a temporary data
directory on a free loopback port for the whole session, then stops it and deletes the directory.
As root it runs as the `postgres` user (PostgreSQL refuses to run as root). Without the binaries
the PostgreSQL tests skip with the reason, except under CI=true, where they fail: .ci/run installs
the `postgresql` package. If the binaries are there but the server does not start, the tests fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from classroom.store import open_store


def pg_bin() -> Path | None:
    """The bin directory of the newest Debian PostgreSQL on this machine, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A PostgreSQL cluster in a temporary directory, trust authentication on loopback only."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="stride-lab-pg-"))  # under /tmp: the postgres user can reach it
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        out = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({out.returncode}): {out.stdout}\n{out.stderr}\n{log}")

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is ours: hex digits only
        engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = pg_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but PostgreSQL is missing: .ci/run must `apt-get install -y postgresql`")
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql); the PostgreSQL tests run under CI")
    server = None
    try:
        server = PgServer(bindir)
        server.start()
    except Exception as exc:  # binaries present but no server: a failure, never a skip
        if server is not None:
            server.stop()
        pytest.fail(f"PostgreSQL from {bindir} did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_shared_url(pg_server) -> str:
    """One database for the tests that only look at their own rooms (rooms are isolated)."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A database URL per backend: a new SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'polls.sqlite3'}"
    return request.getfixturevalue("pg_shared_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db_url(request, tmp_path) -> str:
    """An empty database per backend (no schema yet): a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'polls.sqlite3'}"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()

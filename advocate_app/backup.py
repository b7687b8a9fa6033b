"""Database backups and restores: ``pg_dump --format=custom`` / ``pg_restore`` on PostgreSQL, SQLite's online
backup API otherwise, encrypted with AES-256-GCM when a backup key is configured.

An encrypted backup is the ``MAGIC`` line followed by chunks of at most ``CHUNK`` bytes, each sealed on its own
(a 12-byte random nonce, then the ciphertext with its tag) with its number and whether it is the last as
associated data: a chunk that is changed, moved or cut off fails to open, and so does the whole restore.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

MAGIC = b"advocate-app backup, AES-256-GCM, v1\n"
CHUNK = 1024 * 1024
NONCE = 12


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead, in words for the operator."""


def new_key() -> str:
    """A fresh backup key: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def read_key(key: str | None, key_file: str | None) -> bytes | None:
    """The backup key from its setting or its file, or ``None`` when neither is set (backups are then plain)."""
    if key_file:
        key = Path(key_file).read_text().strip()
    if not key:
        return None
    try:
        raw = base64.urlsafe_b64decode(key.strip())
    except (binascii.Error, ValueError) as error:
        raise BackupError("BACKUP_KEY is not base64: make one with `advocate-app db backup-key`") from error
    if len(raw) != 32:
        raise BackupError("BACKUP_KEY must be 32 bytes (base64): make one with `advocate-app db backup-key`")
    return raw


def backup(database_url: str, path: Path, key: bytes | None) -> None:
    """Write a backup of the database at ``database_url`` to ``path`` (encrypted when ``key`` is given)."""
    url = make_url(database_url)
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="advocate-backup-") as work:
        plain = Path(work) / "backup"
        if url.get_backend_name() == "postgresql":
            _pg_dump(url, plain)
        elif url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url), plain)
        else:
            raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")
        partial = path.with_name(path.name + ".partial")
        try:
            if key is None:
                shutil.copyfile(plain, partial)
            else:
                encrypt_file(plain, partial, key)
            os.chmod(partial, 0o600)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)


def restore(database_url: str, path: Path, key: bytes | None) -> None:
    """Replace the contents of the database at ``database_url`` with the backup at ``path``."""
    url = make_url(database_url)
    with tempfile.TemporaryDirectory(prefix="advocate-restore-") as work:
        plain = Path(work) / "backup"
        with open(path, "rb") as source:
            encrypted = source.read(len(MAGIC)) == MAGIC
        if encrypted:
            if key is None:
                raise BackupError("this backup is encrypted: set BACKUP_KEY (or BACKUP_KEY_FILE) to restore it")
            decrypt_file(Path(path), plain, key)
        else:
            shutil.copyfile(path, plain)
        if url.get_backend_name() == "postgresql":
            _pg_restore(url, plain)
        elif url.get_backend_name() == "sqlite":
            _sqlite_copy(plain, _sqlite_path(url))
        else:
            raise BackupError(f"restores into {url.get_backend_name()} databases are not supported")


def encrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Seal ``source`` into ``target`` chunk by chunk (see the module's docstring for the layout)."""
    cipher = AESGCM(key)
    with open(source, "rb") as plain, open(target, "wb") as sealed:
        sealed.write(MAGIC)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            nonce = os.urandom(NONCE)
            body = cipher.encrypt(nonce, chunk, _associated(index, last=not following))
            sealed.write(struct.pack(">I", len(body)) + nonce + body)
            if not following:
                return
            index, chunk = index + 1, following


def decrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Open a file :func:`encrypt_file` sealed; :class:`BackupError` if the key is wrong or it was tampered with."""
    cipher = AESGCM(key)
    with open(source, "rb") as sealed, open(target, "wb") as plain:
        if sealed.read(len(MAGIC)) != MAGIC:
            raise BackupError("not an encrypted advocate-app backup")
        index, header = 0, sealed.read(4)
        while header:
            (length,) = struct.unpack(">I", header)
            nonce, body = sealed.read(NONCE), sealed.read(length)
            header = sealed.read(4)
            try:
                plain.write(cipher.decrypt(nonce, body, _associated(index, last=not header)))
            except InvalidTag as error:
                raise BackupError(
                    "the backup cannot be opened: wrong key, or the file was changed or cut short"
                ) from error
            index += 1
        if index == 0:
            raise BackupError("the backup is empty")


def _associated(index: int, last: bool) -> bytes:
    return struct.pack(">Q?", index, last)


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return url.database


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """SQLite's online backup API: a consistent copy while the app keeps writing."""
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as destination:
        origin.backup(destination)
    origin.close()
    destination.close()


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for ``url``: the password stays out of the command line (and so out of ``ps``)."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    return env


def client_major_version(program: str) -> int:
    """The major version of ``pg_dump`` or ``pg_restore`` on the PATH."""
    tool = shutil.which(program)
    if tool is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client-15)")
    # The PostgreSQL client found on the PATH, with a fixed argument.
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"cannot tell {program}'s version from {output!r}")
    return int(match.group(1))


def server_major_version(url: URL) -> int:
    """The PostgreSQL server's major version."""
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()


def _check_versions(program: str, url: URL) -> str:
    client, server = client_major_version(program), server_major_version(url)
    if client != server:
        raise BackupError(
            f"{program} is version {client} but the server is PostgreSQL {server}: install "
            f"postgresql-client-{server} so backups restore the same on both"
        )
    return shutil.which(program)


def _pg_dump(url: URL, target: Path) -> None:
    tool = _check_versions("pg_dump", url)
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)


def _pg_restore(url: URL, source: Path) -> None:
    tool = _check_versions("pg_restore", url)
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url.database}",
            str(source),
        ],
        url,
    )


def _run(command: list[str], url: URL) -> None:
    # pg_dump or pg_restore from the PATH, with arguments of our own making (no shell).
    finished = subprocess.run(  # noqa: S603
        command, env=_pg_environment(url), capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}")

"""Pseudonymous ids for the evaluators' export: a keyed hash (HMAC-SHA256) of the person's id.

The key lives outside the database (``EVIDENCE_PSEUDONYM_KEY`` or a file named by
``EVIDENCE_PSEUDONYM_KEY_FILE``), so a copy of the database alone cannot turn ids back into people,
and the same key gives the same ids in every export, letting evaluators follow people across them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

MIN_KEY_LENGTH = 16
ID_LENGTH = 20  # hex characters: 80 bits, no collisions in any realistic partnership


class KeyMissing(Exception):
    """No usable key: the export refuses to run rather than fall back to something guessable."""


def _development_key(instance_path: str) -> str:
    """Generate a key once into the instance folder (development only)."""
    path = Path(instance_path) / "evidence_pseudonym_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def key_from(config, instance_path: str) -> bytes:
    """The pseudonym key from the app's config.

    :raises KeyMissing: in production without a key of at least 16 characters, or when the key file
        cannot be read.
    """
    key = config.get("EVIDENCE_PSEUDONYM_KEY") or ""
    key_file = config.get("EVIDENCE_PSEUDONYM_KEY_FILE") or ""
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as error:
            raise KeyMissing(f"cannot read EVIDENCE_PSEUDONYM_KEY_FILE: {error.strerror}") from error
    if not key:
        if config.get("APP_ENV") != "development":
            raise KeyMissing("set EVIDENCE_PSEUDONYM_KEY or EVIDENCE_PSEUDONYM_KEY_FILE")
        key = _development_key(instance_path)
    if len(key) < MIN_KEY_LENGTH:
        raise KeyMissing(f"the pseudonym key must be at least {MIN_KEY_LENGTH} characters")
    return key.encode("utf-8")


def pseudonym(key: bytes, person_id: int) -> str:
    """The same id for the same person and key; unrelated ids under another key."""
    return hmac.digest(key, f"person:{person_id}".encode(), hashlib.sha256).hex()[:ID_LENGTH]


def maker(key: bytes) -> Callable[[int], str]:
    """``pseudonym`` under ``key`` for many people: the key is taken up once, not once per person."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def pseudonym_of(person_id: int) -> str:
        digest = keyed.copy()
        digest.update(f"person:{person_id}".encode())
        return digest.hexdigest()[:ID_LENGTH]

    return pseudonym_of

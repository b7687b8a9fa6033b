"""Argon2id password hashing (rehashed on sign-in when the parameters change) and the passphrase rules."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash("not a real password, used to keep timing even")

MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, still spend the time and say no."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with older parameters."""
    return _hasher.check_needs_rehash(stored_hash)


# zxcvbn estimates how many guesses a passphrase would take, matching it against the 30,000 passwords
# most common in breaches, dictionaries of words and names, keyboard patterns, repeats, sequences and
# dates. Fewer than 10^8 guesses (its scores 0 to 2) is refused. No composition rules.
MIN_GUESSES_LOG10 = 8
MIN_REST_GUESSES_LOG10 = 6
# zxcvbn refuses longer input and slows down on it; a passphrase longer than this is judged by its start.
_ZXCVBN_MAX = 72
# zxcvbn keeps the user's own words in a module-level dictionary: one check at a time.
_zxcvbn_lock = threading.Lock()
# Words anyone attacking this service would try first.
SERVICE_WORDS = ("advocate", "plan together", "plantogether", "passphrase", "password")


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _guesses_log10(password: str, words: list[str]) -> float:
    with _zxcvbn_lock:
        return zxcvbn(password[:_ZXCVBN_MAX], user_inputs=words)["guesses_log10"]


def too_easy_to_guess(password: str, own_words: list[str] | tuple[str, ...] = ()) -> bool:
    """True for a common or breached password, or one built from the person's own name, email or username.

    :param own_words: the person's username, email address, name and the service's name.
    """
    own = [w for w in own_words if w]
    for word in own_words:  # an email's local part and a name's parts count on their own too
        if word:
            own.extend(
                part for part in word.replace("@", " ").replace(".", " ").replace("_", " ").split() if len(part) > 2
            )
    if _guesses_log10(password, [*own, *SERVICE_WORDS]) < MIN_GUESSES_LOG10:
        return True
    # What is left once the person's own details are taken out must not be trivial ("danaprice2026").
    whole = rest = _letters_and_digits(password)
    for word in sorted({_letters_and_digits(w) for w in own}, key=len, reverse=True):
        if len(word) > 2:
            rest = rest.replace(word, "")
    return rest != whole and _guesses_log10(rest, []) < MIN_REST_GUESSES_LOG10

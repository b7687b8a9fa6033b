"""The second factor: TOTP from an authenticator app, single-use recovery codes, and a coordinator's reset.

Staff must have it; a person signing in for themselves may add it. Callers own the transaction.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup, escape
from sqlalchemy import delete, select

from advocate_app import db
from advocate_app.accounts import passwords, sessions
from advocate_app.accounts.models import RecoveryCode, User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow

# A code from the step before or after the current one is still accepted: phone clocks drift.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are copied from paper.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_GROUPS = 3  # XXXX-XXXX-XXXX: about 59 bits each, hashed with Argon2id


class SecondFactorError(ValueError):
    """The code typed was not right (or was already used)."""


def needs_second_factor(user: User) -> bool:
    """Staff always; anyone else once they have turned it on."""
    return user.is_staff or user.has_second_factor


def must_enrol(user: User) -> bool:
    """Staff without a confirmed authenticator app enrol before anything else."""
    return user.is_staff and not user.has_second_factor


def start_enrolment(user: User) -> str:
    """The secret to show (as a QR code and as text); the same one until it is confirmed."""
    if user.has_second_factor:
        raise ValueError("already enrolled")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.sign_in_name, issuer_name=issuer)


def qr_svg(uri: str, label: str) -> Markup:
    """The QR code as inline SVG: no image request, no inline style (the CSP allows neither)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#0b0c0c", light="#ffffff")
    # Safe to mark as markup: segno writes only numbers, colours and path data, and the label is escaped here.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704 # nosec B704 # built here from segno's output and an escaped label


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for those who type it rather than scan it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def _matching_counter(user: User, code: str, now: datetime) -> int | None:
    """The time step whose code this is, if it is one not used before."""
    code = _digits(code)
    if not (user.totp_secret and len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for counter in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            if user.totp_last_counter is not None and counter <= user.totp_last_counter:
                return None  # replayed: this code (or a later one) has already been used
            return counter
    return None


def confirm_enrolment(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn the second factor on once the app shows a right code.

    :returns: new recovery codes, to show once.
    :raises SecondFactorError: when the code is not right.
    """
    counter = _matching_counter(user, code, now or utcnow())
    if counter is None:
        audit("mfa_enrol_failed", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
        raise SecondFactorError(code)
    user.totp_last_counter = counter
    user.totp_enabled_at = utcnow()
    audit("mfa_enrolled", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
    return issue_recovery_codes(user)


def verify(user: User, code: str, *, now: datetime | None = None) -> str:
    """Check the second factor at sign-in: a code from the app, or an unused recovery code.

    :returns: ``"totp"`` or ``"recovery_code"``, whichever was used.
    :raises SecondFactorError: when neither matches.
    """
    now = now or utcnow()
    counter = _matching_counter(user, code, now) if user.has_second_factor else None
    if counter is not None:
        user.totp_last_counter = counter
        audit("mfa_verified", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
        return "totp"
    if user.has_second_factor and _use_recovery_code(user, code, now):
        audit("mfa_recovery_code_used", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
        return "recovery_code"
    audit("mfa_failed", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
    raise SecondFactorError(code)


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    typed = normalise_recovery_code(code)
    if len(typed) != 4 * RECOVERY_GROUPS:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for candidate in unused:
        if passwords.verify_password(candidate.code_hash, typed):
            candidate.used_at = now
            return True
    return False


def _new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4 * RECOVERY_GROUPS))


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def issue_recovery_codes(user: User) -> list[str]:
    """Replace any recovery codes with new ones (stored only as hashes).

    :returns: the codes, formatted for reading, to show once.
    """
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(code)) for code in codes)
    audit("mfa_recovery_codes_issued", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
    return [format_recovery_code(code) for code in codes]


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset(user: User, *, by: User) -> None:
    """A coordinator clears a staff member's second factor (lost phone): every session of theirs ends,
    and they enrol a new app at their next sign-in."""
    if user.id == by.id:
        raise ValueError("a coordinator cannot reset their own second factor")
    _clear(user)
    sessions.end_all(user.id, "mfa_reset")
    audit("mfa_reset", actor=by, person_id=user.person_id, object_type="user", object_id=user.id)


def turn_off(user: User, password: str) -> None:
    """A person signing in for themselves turns the second factor off (staff cannot).

    :raises SecondFactorError: when the passphrase is not right.
    """
    if user.is_staff:
        raise ValueError("staff must keep a second factor")
    if not passwords.verify_password(user.password_hash, password):
        raise SecondFactorError("password")
    _clear(user)
    audit("mfa_turned_off", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)

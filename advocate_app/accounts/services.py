"""Account rules: signing in, setup codes, passwords, staff accounts. Callers own the transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from advocate_app import db
from advocate_app.accounts import passwords, sessions
from advocate_app.accounts.models import Role, SetupCode, User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, Service
from advocate_app.people.models import Person, PersonStatus

# No 0/O, 1/I/L: the code is read off one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def normalise_identifier(identifier: str) -> str:
    """Emails and usernames are matched without regard to case or surrounding space."""
    return identifier.strip().lower()


def find_by_identifier(identifier: str) -> User | None:
    """The account signed in to by this email address or username."""
    key = normalise_identifier(identifier)
    if not key:
        return None
    column = User.email if "@" in key else User.username
    return db.session.scalar(select(User).where(func.lower(column) == key))


def authenticate(identifier: str, password: str) -> User | None:
    """The active account these credentials open, or ``None``; the failure is audited either way.

    Rehashes the password when the hashing parameters have changed since it was set.
    """
    user = find_by_identifier(identifier)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.person_id is not None and _case_closed(user.person_id):
        ok = False
    if not ok or user is None or not user.active:
        audit("login_failed", actor=None, object_type="user", object_id=user.id if user else None)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit("login", actor=user, object_type="user", object_id=user.id)
    return user


def _case_closed(person_id: int) -> bool:
    return db.session.scalar(select(Person.status).where(Person.id == person_id)) is PersonStatus.CLOSED


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def normalise_code(code: str) -> str:
    """Codes are typed with or without spaces and dashes, in either case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    """Show a code in two groups of four, easier to read aloud."""
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_setup_code(*, created_by: User, lifetime: timedelta, person=None, user: User | None = None) -> str:
    """Make a single-use setup code for a person's new login or a staff account without a password.

    Any earlier unused code for the same person or account stops working.

    :param lifetime: how long the code may be used for.
    :returns: the code to show on screen (it is stored only as a hash).
    """
    if (person is None) == (user is None):
        raise ValueError("a setup code is for exactly one person or one account")
    now = utcnow()
    earlier = select(SetupCode).where(SetupCode.used_at.is_(None), SetupCode.expires_at > now)
    earlier = earlier.where(SetupCode.person_id == person.id) if person else earlier.where(SetupCode.user_id == user.id)
    for old in db.session.scalars(earlier):
        old.expires_at = now
    code = _new_code()
    db.session.add(
        SetupCode(
            code_hash=_hash_code(code),
            person_id=person.id if person else None,
            user_id=user.id if user else None,
            created_by_id=created_by.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    audit(
        "setup_code_issued",
        actor=created_by,
        person_id=person.id if person else None,
        object_type="user" if user else "person",
        object_id=user.id if user else person.id,
    )
    return code


def setup_code_problem(setup: SetupCode | None, now: datetime | None = None) -> str | None:
    """Why a setup code cannot be used: "unknown", "used" (already, perhaps on another phone) or "expired"."""
    if setup is None:
        return "unknown"
    if setup.used_at is not None:
        return "used"
    if setup.expires_at <= (now or utcnow()):
        return "expired"
    return None


def find_setup_code(code: str, now: datetime | None = None) -> tuple[SetupCode | None, str | None]:
    """The setup code matching what was typed, and why it cannot be used (``setup_code_problem``), if so."""
    if len(normalise_code(code)) != CODE_LENGTH:
        return None, "unknown"
    found = db.session.scalar(select(SetupCode).where(SetupCode.code_hash == _hash_code(code)))
    problem = setup_code_problem(found, now)
    return (None if problem else found), problem


def find_usable_code(code: str, now: datetime | None = None) -> SetupCode | None:
    """The unexpired, unused setup code matching what was typed, or ``None``."""
    return find_setup_code(code, now)[0]


def username_taken(username: str) -> bool:
    """True when another account already signs in with this username."""
    key = normalise_identifier(username)
    return db.session.scalar(select(func.count()).where(func.lower(User.username) == key)) > 0


def complete_setup(setup: SetupCode, *, password: str, username: str | None = None) -> User:
    """Use a setup code: create the person's login, or set the staff member's password.

    :param username: required for a person's new login; ignored for staff, who sign in by email.
    :raises AccountError: when the code was used meanwhile ("used"), has expired, or the username is taken.
    """
    # The code's row is held while it is used, so the same code sent twice at once (a double tap) makes one login.
    db.lock(SetupCode, setup.id)
    db.session.refresh(setup, attribute_names=["used_at"])
    problem = setup_code_problem(setup)
    if problem:
        raise AccountError(problem, field="code")
    if setup.person_id is not None:
        person = db.session.get(Person, setup.person_id)
        if not username or username_taken(username):
            raise AccountError("username_taken", field="username")
        existing = db.session.scalar(select(User).where(User.person_id == person.id))
        if existing is not None:
            raise AccountError("has_login", field="code")
        user = User(
            username=normalise_identifier(username),
            display_name=person.preferred_name,
            role=Role.INDIVIDUAL,
            person_id=person.id,
            locale=person.language,
        )
        try:
            # Another person may take the same username this very moment: theirs wins, this one is told.
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            raise AccountError("username_taken", field="username") from None
    else:
        user = db.session.get(User, setup.user_id)
        if user is None or not user.active:
            raise AccountError("inactive", field="code")
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    setup.used_at = utcnow()
    db.session.flush()
    audit("setup_completed", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)
    return user


def change_password(user: User, current: str, new: str, keep_token: str | None) -> None:
    """Change a password after checking the current one; every other session of the user ends.

    :raises AccountError: when the current password is wrong.
    """
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("wrong_password", field="current_password")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    sessions.end_all(user.id, "password_changed", keep_token=keep_token)
    audit("password_changed", actor=user, person_id=user.person_id, object_type="user", object_id=user.id)


def create_staff_user(
    *, email: str, display_name: str, role: Role, organisation_id: int | None, created_by: User | None
) -> User:
    """Add a staff account (no password yet: it is set through a setup code, or by the CLI).

    :raises AccountError: when the email address is already used or the role needs an organisation.
    """
    email = normalise_identifier(email)
    if find_by_identifier(email) is not None:
        raise AccountError("email_taken", field="email")
    if not role.is_staff:
        raise ValueError("individuals get a login through their advocate")
    if role.works_for_organisation and organisation_id is None:
        raise AccountError("organisation_required", field="organisation_id")
    user = User(email=email, display_name=display_name.strip(), role=role, organisation_id=organisation_id)
    db.session.add(user)
    db.session.flush()
    audit("user_created", actor=created_by, object_type="user", object_id=user.id)
    return user


def set_password(user: User, password: str) -> None:
    """Set a password directly (command line and demo data only)."""
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate or reactivate an account; deactivation ends every session at once."""
    user.active = active
    if not active:
        sessions.end_all(user.id, "deactivated")
    audit("user_reactivated" if active else "user_deactivated", actor=by, object_type="user", object_id=user.id)


def admin_counts() -> dict[str, int]:
    """Aggregate figures for the coordinator's overview (no person-level content)."""

    def count(statement) -> int:
        return db.session.scalar(statement) or 0

    return {
        "organisations": count(select(func.count(Organisation.id))),
        "services": count(select(func.count(Service.id))),
        "staff": count(select(func.count(User.id)).where(User.role != Role.INDIVIDUAL, User.active)),
        "people_open": count(select(func.count(Person.id)).where(Person.status == PersonStatus.OPEN)),
        "people_with_login": count(select(func.count(User.id)).where(User.role == Role.INDIVIDUAL)),
    }


def staff_users() -> list[User]:
    """Every member of staff, by name, with their organisation (the coordinator's list of users)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role != Role.INDIVIDUAL)
            .options(joinedload(User.organisation))
            .order_by(User.display_name)
        )
    )


def staff_user(user_id: int) -> User | None:
    """One member of staff with their organisation; None for an unknown id or a person's own login."""
    return db.session.scalar(
        select(User).where(User.id == user_id, User.role != Role.INDIVIDUAL).options(joinedload(User.organisation))
    )


def setup_under_way(setup_id: int | None) -> tuple[SetupCode | None, str | None]:
    """The setup code a browser is using (its id kept in the session), and what is wrong with it now, if
    anything (as ``setup_code_problem``)."""
    setup = db.session.get(SetupCode, setup_id or 0)
    return setup, setup_code_problem(setup)


def own_words(setup: SetupCode) -> list[str]:
    """Words a new passphrase must not be made of: a staff member's email and name (a person chooses their
    username on the same form, so theirs are checked there)."""
    if setup.person_id is not None:
        return []
    user = db.session.get(User, setup.user_id)
    return [user.email, user.display_name] if user else []

"""The ``advocate-app`` command group: database, users, demo data, translations and retention.

The same commands are available as ``flask --app advocate_app …``.
"""

from __future__ import annotations

import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from advocate_app import db


def alembic_config():
    """Alembic settings pointing at our migrations, inside the package or the checkout."""
    from alembic.config import Config

    from advocate_app import resource_dir

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return config


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str):
    """Bring the database schema up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("check")
@with_appcontext
def db_check():
    """Fail when the models have changes no migration describes."""
    from alembic import command

    command.check(alembic_config())


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def db_backup(path: str):
    """Write a backup of the whole database to PATH, encrypted when BACKUP_KEY (or BACKUP_KEY_FILE) is set."""
    from advocate_app import backup

    try:
        key = backup.read_key(current_app.config["BACKUP_KEY"], current_app.config["BACKUP_KEY_FILE"])
        backup.backup(current_app.config["DATABASE_URL"], path, key)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path} ({'encrypted' if key else 'NOT encrypted: set BACKUP_KEY'}).")


@db_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing what the database holds.")
@with_appcontext
def db_restore(path: str, yes: bool):
    """Replace everything in the database with the backup at PATH (all or nothing)."""
    from advocate_app import backup

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?", abort=True)
    db.engine().dispose()  # no pooled connection of ours holds a lock pg_restore waits for
    try:
        key = backup.read_key(current_app.config["BACKUP_KEY"], current_app.config["BACKUP_KEY_FILE"])
        backup.restore(current_app.config["DATABASE_URL"], path, key)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {path}.")


@db_group.command("backup-key")
def db_backup_key():
    """Print a new random backup key, for BACKUP_KEY (keep it apart from the backups)."""
    from advocate_app import backup

    click.echo(backup.new_key())


@click.group("users")
def users_group():
    """Staff accounts."""


@users_group.command("create")
@click.option("--role", type=click.Choice(["advocate", "org_worker", "coordinator"]), required=True)
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Full name (defaults to the email address).")
@click.option("--organisation", "organisation_name", help="Name of the organisation they work for.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from a prompt unless given (use ADVOCATE_APP_PASSWORD in scripts).",
    envvar="ADVOCATE_APP_PASSWORD",
)
@with_appcontext
def users_create(role, email, display_name, organisation_name, password):
    """Create a staff user with a password."""
    from sqlalchemy import select

    from advocate_app.accounts import passwords, services
    from advocate_app.accounts.models import Role
    from advocate_app.directory.models import Organisation

    if len(password) < passwords.MIN_LENGTH:
        raise click.BadParameter(f"use at least {passwords.MIN_LENGTH} characters", param_hint="--password")
    if passwords.too_easy_to_guess(password, [email, display_name or ""]):
        raise click.BadParameter("too easy to guess: choose three or four unrelated words", param_hint="--password")
    organisation_id = None
    if organisation_name:
        organisation_id = db.session.scalar(select(Organisation.id).where(Organisation.name == organisation_name))
        if organisation_id is None:
            raise click.BadParameter(f"no organisation called {organisation_name!r}", param_hint="--organisation")
    try:
        user = services.create_staff_user(
            email=email,
            display_name=display_name or email,
            role=Role(role),
            organisation_id=organisation_id,
            created_by=None,
        )
    except services.AccountError as error:
        raise click.ClickException(f"cannot create user: {error.message}") from error
    services.set_password(user, password)
    db.session.commit()
    click.echo(f"Created {role} {user.email}.")


@click.group("demo")
def demo_group():
    """Demonstration data."""


@demo_group.command("seed")
@with_appcontext
def demo_seed():
    """Create the demo organisations, staff and people (safe to run again; refused in production)."""
    from advocate_app.demo import DemoRefused, seed

    try:
        created = seed(current_app.config["DEMO_PASSWORD"])
    except DemoRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo("Demo data ready." if not created else f"Demo data created: {', '.join(created)}.")
    from advocate_app.demo import DEMO_TOTP_SECRET

    click.echo(
        f"Demo staff sign in with a code from an authenticator app set up with the key {DEMO_TOTP_SECRET} "
        "(or run `advocate-app demo code` for the current one)."
    )


@demo_group.command("code")
@with_appcontext
def demo_code():
    """Print the sign-in code demo staff type now (not in production)."""
    from advocate_app.demo import current_code

    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("There are no demo accounts in production.")
    click.echo(current_code())


@click.group("translations")
def translations_group():
    """Message catalogues (English source; Welsh, Polish and Urdu)."""


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@translations_group.command("update")
def translations_update():
    """Extract messages from the code and templates and merge them into every catalogue."""
    from advocate_app import CHECKOUT_DIR

    pot = CHECKOUT_DIR / "translations" / "messages.pot"
    _babel(
        "extract",
        "-F",
        str(CHECKOUT_DIR / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        # No file:line comments and entries in msgid order: a change elsewhere in a file leaves the
        # catalogues untouched, and two branches adding messages rarely touch the same lines.
        "--no-location",
        "--sort-output",
        "--no-wrap",
        "-o",
        str(pot),
        str(CHECKOUT_DIR),
    )
    _babel(
        "update",
        "-i",
        str(pot),
        "-d",
        str(CHECKOUT_DIR / "translations"),
        "--no-wrap",
        "--ignore-obsolete",
        "--no-fuzzy-matching",
    )


@translations_group.command("compile")
def translations_compile():
    """Compile the catalogues so the app can use them."""
    from advocate_app import resource_dir

    _babel("compile", "-d", str(resource_dir("translations")), "--statistics")


@click.group("retention")
def retention_group():
    """Keeping records no longer than needed."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Say how many people would be anonymised, and change nothing.")
@with_appcontext
def retention_apply(dry_run: bool):
    """Anonymise people whose case closed more than RETENTION_YEARS (default 6) ago, keeping aggregate figures."""
    from advocate_app.db import utcnow
    from advocate_app.records.retention import apply_retention, retention_cutoff

    years = int(current_app.config.get("RETENTION_YEARS", 6))
    now = utcnow()
    count = apply_retention(now, years, dry_run=dry_run)
    before = retention_cutoff(now, years).date().isoformat()
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {count} {_people(count)} closed before {before} would be anonymised. Nothing changed.")
        return
    db.session.commit()
    click.echo(f"Anonymised {count} {_people(count)} whose case closed before {before}.")


def _people(count: int) -> str:
    return "person" if count == 1 else "people"


@click.group("directory")
def directory_group():
    """The directory of organisations and services, in and out as Open Referral HSDS 3.0 JSON."""


@directory_group.command("import")
@click.argument("source", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change, and change nothing.")
@with_appcontext
def directory_import(source, dry_run: bool):
    """Import HSDS 3.0 services from SOURCE (a file, or - for standard input), matched on their HSDS ids.

    SOURCE may be a list page ({"contents": [...]}), an array of services or one service, each with its
    organization nested. Nothing is changed when any part of it is wrong.
    """
    from advocate_app.directory import hsds_import, hsds_read

    try:
        text = source.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"cannot import: the file is not UTF-8 text (byte {error.start})") from error
    try:
        report = hsds_import.apply(hsds_read.parse(text))
    except hsds_read.HsdsError as error:
        db.session.rollback()
        problems = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(f"cannot import; nothing was changed:\n{problems}") from error
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was changed.")
    else:
        db.session.commit()
    click.echo("\n".join(report.lines()))


@directory_group.command("export")
@click.argument("path", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
def directory_export(path):
    """Write the directory as an HSDS 3.0 service list to PATH (default: standard output)."""
    from advocate_app.directory import hsds_export

    path.write(hsds_export.export_text())


def register(app: Flask) -> None:
    """Add our command groups to the app's CLI."""
    for group in (db_group, users_group, demo_group, translations_group, retention_group, directory_group):
        app.cli.add_command(group)
    from advocate_app.evidence.cli import evidence_group

    app.cli.add_command(evidence_group)
    from advocate_app.sms.commands import sms_group

    app.cli.add_command(sms_group)


def _create_app():
    from advocate_app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main():
    """advocate_app: plans written together."""

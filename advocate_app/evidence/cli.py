"""``advocate-app evidence …``: the anonymised export for evaluators, and its data dictionary."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from advocate_app import db


@click.group("evidence")
def evidence_group():
    """Evidence of what works: the anonymised export for evaluators."""


@evidence_group.command("export")
@click.option("--from", "first", required=True, metavar="YYYY-MM", help="First month of the period.")
@click.option("--to", "last", required=True, metavar="YYYY-MM", help="Last month of the period (included).")
@click.option("--organisation", "organisation_name", help="Only the people this organisation's advocates work with.")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="A folder for the CSV files, or a file ending .zip (default: evidence-FROM-to-TO.zip here).",
)
@with_appcontext
def evidence_export(first: str, last: str, organisation_name: str | None, out: Path | None):
    """Write the anonymised CSV files and data dictionary for the months FROM to TO.

    People appear under a keyed pseudonym (EVIDENCE_PSEUDONYM_KEY); no names, numbers or free text; dates as
    months, ages as bands, and values or counts describing fewer than 5 people suppressed.
    """
    from advocate_app.clock import local_today
    from advocate_app.directory.models import Organisation
    from advocate_app.evidence import export, pseudonyms, queries, services
    from advocate_app.evidence.period import Period

    try:
        period = Period.of_months(first, last)
    except ValueError as error:
        raise click.BadParameter(
            "give two months as YYYY-MM, the first not after the second", param_hint="--from/--to"
        ) from error
    try:
        key = pseudonyms.key_from(current_app.config, current_app.instance_path)
    except pseudonyms.KeyMissing as error:
        raise click.ClickException(f"cannot export: {error}") from error
    organisation_id = None
    if organisation_name:
        organisation_id = db.session.scalar(select(Organisation.id).where(Organisation.name == organisation_name))
        if organisation_id is None:
            raise click.BadParameter(f"no organisation called {organisation_name!r}", param_hint="--organisation")
    scope = queries.Scope(people=queries.partnership_people(organisation_id), period=period, today=local_today())
    data = export.build(scope, key)
    target = out or Path(f"{data.folder}.zip")
    if target.suffix == ".zip":
        target.write_bytes(data.zip_bytes())
        written = f"{target}"
    else:
        written = ", ".join(str(p) for p in data.write_folder(target))
    services.record_export(None, period)
    db.session.commit()
    counts = ", ".join(f"{name} {len(rows)}" for name, rows in data.files.items())
    click.echo(f"Exported {period.label} to {written} (rows: {counts}).")


@evidence_group.command("dictionary")
def evidence_dictionary():
    """Print the data dictionary of the export as Markdown (docs/evidence-data-dictionary.md)."""
    from advocate_app.evidence.dictionary import markdown

    click.echo(markdown(), nl=False)

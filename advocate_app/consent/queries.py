"""What the coordinators' safeguarding pages read: the walls around a person, and whom to choose for one."""

from __future__ import annotations

from sqlalchemy import or_, select

from advocate_app import db
from advocate_app.consent.models import PersonLink
from advocate_app.people.models import Person


def current_links(person_id: int) -> list[tuple[PersonLink, str]]:
    """The walls around a person, each with the name of the person on the other side."""
    links = db.session.scalars(
        select(PersonLink)
        .where(
            or_(PersonLink.person_id == person_id, PersonLink.other_person_id == person_id),
            PersonLink.ended_at.is_(None),
        )
        .order_by(PersonLink.created_at)
    ).all()
    others = {link.other_person_id if link.person_id == person_id else link.person_id for link in links}
    names = dict(db.session.execute(select(Person.id, Person.preferred_name).where(Person.id.in_(others))).all())
    return [
        (link, names.get(link.other_person_id if link.person_id == person_id else link.person_id, "")) for link in links
    ]


def everyone_but(person_id: int) -> list[tuple[int, str]]:
    """Every other person's id and name, by name (to choose the other side of a wall)."""
    rows = db.session.execute(
        select(Person.id, Person.preferred_name)
        .where(Person.id != person_id)
        .order_by(Person.preferred_name, Person.id)
    )
    return [tuple(row) for row in rows]

"""What the text-message pages read (kept apart from the rules in services.py)."""

from __future__ import annotations

from sqlalchemy import select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.people.models import Person
from advocate_app.sms.models import SmsMessage


def console_messages(user: User, limit: int = 100) -> list[SmsMessage]:
    """The newest texts "sent" by the console backend to the people ``user`` may see, or to ``user`` themselves."""
    visible = policy.visible_people(user).with_only_columns(Person.id)
    return list(
        db.session.scalars(
            select(SmsMessage)
            .where((SmsMessage.person_id.in_(visible)) | (SmsMessage.user_id == user.id))
            .order_by(SmsMessage.updated_at.desc(), SmsMessage.id.desc())
            .limit(limit)
        )
    )

"""The words of every text message: discreet, in the reader's language, with no names, links or plan content.

A message may be read over someone's shoulder on a shared or watched phone, so none says what the
service is or what the plan holds. ``tests/test_sms_templates.py`` renders each one in every language
and fails on any word of ``SMS_REVEALING_WORDS`` or anything that looks like a link.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# A date inside a sentence is a whole phrase per weekday, so each language can put the day in the case
# its preposition needs (Polish "w sobotę", "do soboty"; Welsh "ar ddydd Sadwrn", "erbyn dydd Sadwrn";
# Urdu "ہفتے … کو"). The date itself ("14 March") is the same in every case.
_ON_DAY = (
    _l("on Monday %(date)s"),
    _l("on Tuesday %(date)s"),
    _l("on Wednesday %(date)s"),
    _l("on Thursday %(date)s"),
    _l("on Friday %(date)s"),
    _l("on Saturday %(date)s"),
    _l("on Sunday %(date)s"),
)
_BY_DAY = (
    _l("by Monday %(date)s"),
    _l("by Tuesday %(date)s"),
    _l("by Wednesday %(date)s"),
    _l("by Thursday %(date)s"),
    _l("by Friday %(date)s"),
    _l("by Saturday %(date)s"),
    _l("by Sunday %(date)s"),
)

# Right-to-left languages get each inserted value isolated (U+2068 … U+2069) so digits and codes keep
# their order. Only there: the marks are not in the GSM alphabet and would make every English, Welsh or
# Polish message cost twice as many characters.
_RIGHT_TO_LEFT = frozenset({"ur"})


def _value(value) -> str:
    return f"\u2068{value}\u2069" if str(get_locale()) in _RIGHT_TO_LEFT else str(value)


def on_day(value: date) -> str:
    """ "on Saturday 14 March", worded whole in the message's language."""
    return str(_ON_DAY[value.weekday()]) % {"date": _value(format_date(value, "d MMMM"))}


def by_day(value: date) -> str:
    """ "by Saturday 14 March", worded whole in the message's language."""
    return str(_BY_DAY[value.weekday()]) % {"date": _value(format_date(value, "d MMMM"))}


def _step_due(**v) -> str:
    return _(
        "Hello, a reminder about what you planned to do %(on_day)s. Reply 1 if it is done, 2 to rearrange, "
        "3 if you need help.",
        on_day=on_day(v["day"]),
    )


def _review_due(**v) -> str:
    return _(
        "Hello, a reminder that we are due to catch up %(on_day)s. Reply if you need to change it.",
        on_day=on_day(v["day"]),
    )


def _review_due_staff(**v) -> str:
    return _("Reminder: a catch-up is due %(on_day)s. The details are in the app.", on_day=on_day(v["day"]))


def _respond_by(**v) -> str:
    return _(
        "Reminder: request %(code)s is waiting for an answer %(by_day)s. Reply YES %(code)s to accept it.",
        code=_value(v["code"]),
        by_day=by_day(v["day"]),
    )


def _check_in(**_v) -> str:
    return _("Hello, how are things at the moment, from 1 (very hard) to 10 (going well)? Reply with a number.")


def _verdict(**_v) -> str:
    return _("Hello, how useful was the help you got, from 1 (not at all) to 5 (very useful)? Reply with a number.")


def _help(**_v) -> str:
    return _("Reply STOP to stop these messages, START to get them again, or PAUSE to stop them now.")


def _started(**_v) -> str:
    return _("Thank you. You will get messages again.")


def _paused(**_v) -> str:
    return _("Thank you. Messages have stopped. Reply START to get them again.")


def _noted(**_v) -> str:
    return _("Thank you, noted.")


def _passed_on(**_v) -> str:
    return _("Thank you. Your message has been passed on.")


# Template name → how to write it. Values for each are given by whoever queues the message.
TEMPLATES = {
    "step_due": _step_due,
    "review_due": _review_due,
    "review_due_staff": _review_due_staff,
    "respond_by": _respond_by,
    "check_in": _check_in,
    "verdict": _verdict,
    "help": _help,
    "started": _started,
    "paused": _paused,
    "noted": _noted,
    "passed_on": _passed_on,
}

# What each template is filled with in the template test (and nothing more is ever passed).
SAMPLE_VALUES = {"day": date(2026, 3, 14), "code": "4KX7Q2"}


def render(template: str, language: str, **values) -> str:
    """The message ``template`` in ``language``, filled with ``values``."""
    with force_locale(language):
        return TEMPLATES[template](**values)


_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(?:com|org|uk|net|io|co|gov|info|me)\b)", re.IGNORECASE)


def revealing_words(text: str, words) -> list[str]:
    """Words from ``words`` (and anything link-like) that ``text`` contains; empty when it is discreet."""
    found = []
    lowered = text.lower()
    for word in words:
        if re.search(r"(?<!\w)" + re.escape(word.lower()) + r"(?!\w)", lowered):
            found.append(word)
    found.extend(match.group(0) for match in _LINK.finditer(text))
    return found

"""What happened to the record, announced for the features that follow it (blinker signals, as Flask's own).

A service sends an event once it has changed and flushed the record, with the changed row as the sender and
keyword arguments (``by=`` the user who did it, or ``None`` for the person's own text reply; ``now=`` where
the moment matters). Receivers run at once, in the sender's transaction: they add and flush, never commit.
The text messages (``advocate_app.sms``) subscribe in their ``init_app``; the services sending these events
know nothing of who listens, so nothing outside the app factory and the CLI imports the sms package.

One signal asks rather than tells: ``caseload_figures``, for what the features add to the caseload's figures.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

step_changed = _events.signal(
    "step-changed",
    doc="""A step was added to a plan or edited (its words, who does it, its due date).

    Sent by ``plans.services.add_item`` and ``edit_item`` with the ``PlanItem`` as sender and ``by=``.
    """,
)

step_done = _events.signal(
    "step-done",
    doc="""A step was ticked off, or unticked.

    Sent by ``plans.services.set_step_done`` with the ``PlanItem`` as sender, ``done=`` (True when ticked off)
    and ``by=``.
    """,
)

review_date_changed = _events.signal(
    "review-date-changed",
    doc="""A plan's next review date was set or moved (a review was held, or the date was changed).

    Sent by ``plans.outcomes.hold_review`` and ``set_next_review`` with the ``Plan`` as sender and ``by=``.
    """,
)

referral_made = _events.signal(
    "referral-made",
    doc="""A referral was sent to an organisation, which is asked to answer by its ``respond_by`` date.

    Sent by ``referrals.services.make_referral`` with the ``Referral`` as sender and ``by=``.
    """,
)

referral_moved_on = _events.signal(
    "referral-moved-on",
    doc="""A referral was answered (accepted, declined), withdrawn, or its outcome recorded.

    Sent by ``referrals.services.change_status`` with the ``Referral`` (already in its new status) as sender
    and ``by=``.
    """,
)

contact_details_changed = _events.signal(
    "contact-details-changed",
    doc="""A person's details were saved: their number, language or safe windows may be different now.

    Sent by ``people.services.update_person`` with the ``Person`` as sender and ``by=``.
    """,
)

consent_withdrawn = _events.signal(
    "consent-withdrawn",
    doc="""A consent was withdrawn; it covers nothing from now on.

    Sent by ``consent.services.withdraw`` with the ``Consent`` as sender, ``by=`` (``None`` for a text reply)
    and ``now=``.
    """,
)

caseload_figures = _events.signal(
    "caseload-figures",
    doc="""The caseload's figures are being put into one statement: what would a feature add to them?

    Sent by ``people.services`` once for each kind of caseload statement, as it is built, with the database's
    dialect name as sender. A receiver returns ``(name, column, read)``: a scalar column, run with the advocate's
    id as the ``advocate_id`` parameter, and what makes its value into the figure the page is given as
    ``caseload.figures[name]``.
    """,
)

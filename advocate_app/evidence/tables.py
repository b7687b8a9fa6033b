"""The counts the dashboard and the export show, as one protected table (see ``disclosure``).

Every count on the dashboard's screen and in the export's summary files is a cell here, with the sums a
reader can see between them: a row's people are its better + same + worse; goals set are the goals by
status; referrals sent are accepted + declined + waiting + withdrawn unanswered, declined is the sum of
its reasons, and an organisation's figures are the sums of its services'; needs are needs with and
without an accepted referral, and a need's figure is the sum over areas. The dashboard and the export
read their counts from the same ``Protected`` result, so what one shows cannot unpick the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from advocate_app.evidence import partnership, queries, side_by_side
from advocate_app.evidence.disclosure import Protected, Table, protect
from advocate_app.plans.models import GoalStatus
from advocate_app.referrals.models import DeclineReason

LOOP_COLUMNS = ("sent", "accepted", "declined", "waiting", "due_for_answer", "answered_in_time")
OUTCOME_COLUMNS = tuple(status.value for status in partnership.OUTCOME_STATUSES)
REASON_COLUMNS = tuple(f"declined_{reason.value}" for reason in DeclineReason)


@dataclass
class Figures:
    """The dashboard's figures for one scope, before any is withheld."""

    distance: list[queries.Spread]
    goals: queries.GoalFigures
    engagement: queries.Engagement
    loop: partnership.Loop
    unmet: list[partnership.UnmetNeed]
    unmet_by_domain: list[partnership.UnmetNeed]


def _loop_row(table: Table, key: tuple, figures: partnership.LoopFigures) -> None:
    for column in LOOP_COLUMNS:
        table.add((*key, column), getattr(figures, column))
    table.add((*key, "withdrawn_unanswered"), figures.withdrawn_unanswered)
    table.unshown.add((*key, "withdrawn_unanswered"))
    for reason, column in zip(DeclineReason, REASON_COLUMNS, strict=True):
        table.add((*key, column), figures.declined_by_reason.get(reason, 0))
    for status, column in zip(partnership.OUTCOME_STATUSES, OUTCOME_COLUMNS, strict=True):
        table.add((*key, column), figures.outcomes.get(status, 0))
    table.sums((*key, "sent"), [(*key, c) for c in ("accepted", "declined", "waiting", "withdrawn_unanswered")])
    table.sums((*key, "declined"), [(*key, c) for c in REASON_COLUMNS])


def build(figures: Figures) -> Table:
    """Every count, keyed ``(section, …, column)``, with the sums between them."""
    table = Table()
    for s in figures.distance:
        key = ("distance", s.domain, s.rated_by.value)
        for column in ("people", "better", "same", "worse"):
            table.add((*key, column), getattr(s, column))
        table.sums((*key, "people"), [(*key, c) for c in ("better", "same", "worse")])

    goals = figures.goals
    for status in GoalStatus:
        table.add(("goals", status.value), goals.by_status.get(status, 0))
    table.add(("goals", "set"), goals.goals_set)
    table.sums(("goals", "set"), [("goals", status.value) for status in GoalStatus])
    for column in ("steps_due", "steps_on_time", "steps_late", "steps_not_done", "steps_not_yet_due"):
        table.add(("steps", column), getattr(goals, column))
    table.sums(("steps", "steps_due"), [("steps", c) for c in ("steps_on_time", "steps_late", "steps_not_done")])

    e = figures.engagement
    for column in (
        "entries",
        "entries_in_own_words",
        "check_ins",
        "people_open",
        "active_plans",
        "plans_agreed_by_person",
        "plans_agreed_together",
        "reviews_held",
        "reviews_with_due_date",
        "reviews_on_time",
    ):
        table.add(("engagement", column), getattr(e, column))

    services_of: dict[str, list[tuple]] = {}
    for index, service in enumerate(figures.loop.services):
        key = ("loop", "service", index)
        _loop_row(table, key, service)
        services_of.setdefault(service.organisation, []).append(key)
    for organisation in figures.loop.organisations:
        key = ("loop", "organisation", organisation.organisation)
        _loop_row(table, key, organisation)
        for column in (*LOOP_COLUMNS, "withdrawn_unanswered", *REASON_COLUMNS, *OUTCOME_COLUMNS):
            table.sums(
                (*key, column), [(*service, column) for service in services_of.get(organisation.organisation, [])]
            )

    for row in figures.unmet_by_domain:
        key = ("unmet", row.domain)
        table.add((*key, "needs"), row.needs)
        table.add((*key, "met"), row.met)
        table.add((*key, "unmet"), row.unmet)
        table.sums((*key, "needs"), [(*key, "met"), (*key, "unmet")])
    for row in figures.unmet:
        key = ("unmet-area", row.domain, row.area)
        table.add((*key, "needs"), row.needs)
        table.add((*key, "met"), row.met)
        table.add((*key, "unmet"), row.unmet)
        table.sums((*key, "needs"), [(*key, "met"), (*key, "unmet")])
    for domain_row in figures.unmet_by_domain:
        areas = [("unmet-area", r.domain, r.area) for r in figures.unmet if r.domain == domain_row.domain]
        for column in ("needs", "met", "unmet"):
            table.sums(("unmet", domain_row.domain, column), [(*area, column) for area in areas])
    return table


def protected(figures: Figures, minimum: int) -> tuple[Table, Protected]:
    """The table of ``figures`` and what of it may be shown under the small-number rule ``minimum``."""
    table = build(figures)
    return table, protect(table, minimum)


def figures_for(scope: queries.Scope) -> Figures:
    """Every figure of the dashboard for ``scope``, in a fixed number of queries."""
    queries.prepare()
    # The queries at once, each on a connection of its own reading the same snapshot.
    counts, unmet, distance, loop, engagement = side_by_side.run(
        lambda: queries.entry_counts(scope),
        lambda: partnership.unmet_need(scope),
        lambda: queries.distance_travelled(scope),
        lambda: partnership.referral_loop(scope),
        lambda: queries.engagement_apart_from_entries(scope),
    )
    return Figures(
        distance=distance,
        goals=queries.goals_and_steps(scope, counts),
        engagement=queries.with_entries(engagement, counts),
        loop=loop,
        unmet=unmet,
        unmet_by_domain=partnership.unmet_by_domain(unmet),
    )

"""The twelve need domains a plan, a check-in or a service can be about."""

from flask_babel import lazy_gettext as _l

NEED_DOMAINS: dict[str, object] = {
    "safety": _l("Safety"),
    "housing": _l("Housing"),
    "money": _l("Money and debt"),
    "mental_wellbeing": _l("Mental wellbeing"),
    "physical_health": _l("Physical health"),
    "drugs_alcohol": _l("Drugs and alcohol"),
    "relationships_family": _l("Relationships and family"),
    "children_parenting": _l("Children and parenting"),
    "education_work": _l("Education, training and work"),
    "offending_justice": _l("Offending and justice"),
    "community": _l("Community and belonging"),
    "identity_confidence": _l("Identity and confidence"),
}

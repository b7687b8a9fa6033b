"""Words for the outbox's statuses and the inbox's kinds of task, as staff see them."""

from flask_babel import lazy_gettext as _l

TASK_LABELS = {
    "reply": _l("They replied by text"),
    "help_asked": _l("They asked for help with a step"),
    "rearrange": _l("They asked to rearrange a step"),
    "paused": _l("They paused all texts (PAUSE): get in touch safely"),
    "opted_out": _l("They stopped texts (STOP): their consent to texts is withdrawn"),
    "opted_in": _l("They asked for texts again (START)"),
    "number_failed": _l("Their number cannot get texts: check it with them"),
    "not_sent": _l("A text could not be sent"),
    "low_check_in": _l("A low score at a text check-in"),
}

STATUS_LABELS = {
    "queued": _l("Waiting"),
    "held": _l("Held until a safe time"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "undelivered": _l("Not delivered"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
    "in_doubt": _l("Being checked"),
}

KIND_LABELS = {
    "step_due": _l("Step reminder"),
    "review_due": _l("Review reminder"),
    "review_due_advocate": _l("Review reminder (advocate)"),
    "referral_respond_by": _l("Reply-by reminder (organisation)"),
    "check_in": _l("Check-in prompt"),
}

"""The sms blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers text messages: the advocate's inbox, the provider's webhooks, the development console."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.sms import routes

bp = Blueprint("sms", __name__)

bp.add_url_rule("/sms/inbound", view_func=routes.inbound_webhook, methods=["POST"])
bp.add_url_rule("/sms/status", view_func=routes.status_webhook, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/messages", view_func=routes.person_messages)
bp.add_url_rule("/people/<int:person_id>/messages/<int:task_id>/done", view_func=routes.close_task, methods=["POST"])
bp.add_url_rule("/sms/console", view_func=routes.console)

bp.add_app_template_global(routes.sms_inbox)

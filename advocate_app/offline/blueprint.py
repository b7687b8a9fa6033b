"""The offline blueprint: every URL of offline visits, each with the view that answers it, and what the feature
adds to every page (the factory registers ``bp``)."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.offline import hooks, routes

bp = Blueprint("offline", __name__)
bp.app_context_processor(hooks.offline_context)
bp.record_once(hooks.connect)

bp.add_url_rule("/people/<int:person_id>/offline", view_func=routes.take, methods=["POST"])
bp.add_url_rule("/offline/keys", view_func=routes.keys)
bp.add_url_rule("/offline/sync", view_func=routes.send, methods=["POST"])
bp.add_url_rule("/offline/remove", view_func=routes.remove, methods=["POST"])
bp.add_url_rule("/offline/page", view_func=routes.page)
bp.add_url_rule("/offline/words/<locale>/<version>.json", view_func=routes.words)
# From the site's root, so that the service worker's scope covers the plan pages.
bp.add_url_rule("/offline-worker.js", view_func=routes.worker)

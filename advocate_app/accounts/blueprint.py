"""The accounts blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers signing in and out, setting up a login, the account page, sign-in codes, staff users."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.accounts import mfa_routes, routes

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/", view_func=routes.home)
bp.add_url_rule("/login", view_func=routes.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=routes.logout, methods=["POST"])
bp.add_url_rule("/exit", view_func=routes.exit_page)
bp.add_url_rule("/language", view_func=routes.choose_language, methods=["POST"])
bp.add_url_rule("/setup", view_func=routes.setup_code, methods=["GET", "POST"])
bp.add_url_rule("/setup/account", view_func=routes.setup_account, methods=["GET", "POST"])
bp.add_url_rule("/account", view_func=routes.account)
bp.add_url_rule("/account/password", view_func=routes.change_password, methods=["GET", "POST"])
bp.add_url_rule("/admin", view_func=routes.admin_home)
bp.add_url_rule("/admin/users", view_func=routes.users)
bp.add_url_rule("/admin/users/new", view_func=routes.new_user, methods=["GET", "POST"])
bp.add_url_rule("/admin/users/<int:user_id>", view_func=routes.user_detail)
bp.add_url_rule("/admin/users/<int:user_id>/active", view_func=routes.set_user_active, methods=["POST"])
bp.add_url_rule("/admin/users/<int:user_id>/setup-code", view_func=routes.new_staff_setup_code, methods=["POST"])
bp.add_url_rule("/login/code", view_func=mfa_routes.second_factor, methods=["GET", "POST"])
bp.add_url_rule("/login/enrol", view_func=mfa_routes.enrol_second_factor, methods=["GET", "POST"])
bp.add_url_rule("/account/two-factor", view_func=mfa_routes.two_factor)
bp.add_url_rule("/account/two-factor/setup", view_func=mfa_routes.two_factor_setup, methods=["GET", "POST"])
bp.add_url_rule("/account/two-factor/recovery-codes", view_func=mfa_routes.new_recovery_codes, methods=["POST"])
bp.add_url_rule("/account/two-factor/off", view_func=mfa_routes.two_factor_off, methods=["POST"])
bp.add_url_rule("/admin/users/<int:user_id>/two-factor/reset", view_func=mfa_routes.reset_two_factor, methods=["POST"])

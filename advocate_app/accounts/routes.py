"""Views for signing in and out, setting up a login, the account page, and managing staff users."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from advocate_app import db, policy
from advocate_app.accounts import auth, mfa, services
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.forms import (
    ChangePasswordForm,
    IndividualSetupForm,
    LoginForm,
    SetupCodeForm,
    StaffSetupForm,
    StaffUserForm,
)
from advocate_app.accounts.models import Role, User
from advocate_app.accounts.services import AccountError
from advocate_app.audit.services import record as audit
from advocate_app.directory import services as directory_services
from advocate_app.extensions import limiter
from advocate_app.policy import Action
from advocate_app.urls import is_local_path

SETUP_SESSION_KEY = "setup_code_id"


def _account_key() -> str:
    """Rate-limit key for the account being tried, whatever address the attempts come from."""
    return "account:" + services.normalise_identifier(request.form.get("identifier", ""))[:254]


def _failed_attempt(response) -> bool:
    # Only failed sign-ins use up the allowance; a successful one redirects.
    return request.method == "POST" and response.status_code != 302


def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return auth.redirect_home()


@limiter.limit("10 per minute; 50 per hour", methods=["POST"], deduct_when=_failed_attempt)
@limiter.limit("10 per 15 minutes", key_func=_account_key, methods=["POST"], deduct_when=_failed_attempt)
def login():
    if current_user.is_authenticated:
        return auth.redirect_home()
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is not None:
            target = request.args.get("next")
            if mfa.needs_second_factor(user):
                auth.begin_second_factor(user, target if is_local_path(target) else None)
                db.session.commit()
                return redirect(
                    url_for("accounts.enrol_second_factor" if mfa.must_enrol(user) else "accounts.second_factor")
                )
            auth.sign_in(user)
            db.session.commit()
            return redirect(target if is_local_path(target) else auth.home_url_for(user))
        db.session.commit()  # keep the failed-login audit event
        form.form_errors.append(_("The email address, username or passphrase is not right"))
        form.password.errors = [_("Check your details and try again")]
    return render_template("accounts/login.html", form=form)


def logout():
    if current_user.is_authenticated:
        audit("logout", actor=signed_in_user(), object_type="user", object_id=current_user.id)
    auth.sign_out("logout")
    db.session.commit()
    flash(_("You have signed out."), "success")
    response = redirect(url_for("accounts.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def exit_page():
    """ "Exit this page": end the session and go somewhere that gives nothing away."""
    if current_user.is_authenticated:
        audit("exit_page", actor=signed_in_user(), object_type="user", object_id=current_user.id)
    auth.sign_out("exit_page")
    db.session.commit()
    response = make_response(redirect(current_app.config["EXIT_PAGE_URL"]))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def choose_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if is_local_path(target) else url_for("accounts.home"))


@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def setup_code():
    """Step 1 of setting up a login: type the code shown on the advocate's (or coordinator's) screen."""
    if current_user.is_authenticated:
        return auth.redirect_home()
    form = SetupCodeForm()
    if form.validate_on_submit():
        found, problem = services.find_setup_code(form.code.data)
        if found is not None:
            session[SETUP_SESSION_KEY] = found.id
            return redirect(url_for("accounts.setup_account"))
        form.code.errors = [_setup_code_message(problem)]
    return render_template("accounts/setup_code.html", form=form)


def _setup_code_message(problem: str | None) -> str:
    """What to tell someone whose setup code cannot be used, by why."""
    if problem == "used":
        return _("That setup code has already been used. If that was not you, tell your advocate; ask for a new code.")
    if problem == "expired":
        return _("That setup code has expired. Ask for a new one.")
    return _("That setup code is not right, or it has expired. Ask for a new one.")


@limiter.limit("20 per hour", methods=["POST"])
def setup_account():
    """Step 2: choose a username (people) and a passphrase."""
    if current_user.is_authenticated:
        return auth.redirect_home()
    setup, problem = services.setup_under_way(session.get(SETUP_SESSION_KEY))
    if problem:
        session.pop(SETUP_SESSION_KEY, None)
        flash(_setup_code_message(problem))
        return redirect(url_for("accounts.setup_code"))
    for_person = setup.person_id is not None
    form = IndividualSetupForm() if for_person else StaffSetupForm()
    if not for_person:
        form.own_words = services.own_words(setup)
    if form.validate_on_submit():
        try:
            user = services.complete_setup(
                setup, password=form.password.data, username=form.username.data if for_person else None
            )
        except AccountError as error:
            if error.field == "username":
                form.username.errors = [_("That username is taken. Choose another.")]
            else:
                session.pop(SETUP_SESSION_KEY, None)
                flash(_setup_code_message(str(error.message)))
                return redirect(url_for("accounts.setup_code"))
        else:
            session.pop(SETUP_SESSION_KEY, None)
            if mfa.must_enrol(user):
                # Staff set up an authenticator app before their first page.
                auth.begin_second_factor(user, None)
                db.session.commit()
                return redirect(url_for("accounts.enrol_second_factor"))
            auth.sign_in(user)
            db.session.commit()
            flash(_("Your login is ready."), "success")
            return redirect(auth.home_url_for(user))
    return render_template("accounts/setup_account.html", form=form, for_person=for_person)


@login_required
def account():
    return render_template("accounts/account.html")


@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                signed_in_user(),
                form.current_password.data,
                form.password.data,
                keep_token=auth.current_token(),
            )
        except AccountError:
            form.current_password.errors = [_("Your current passphrase is not right")]
        else:
            db.session.commit()
            flash(_("Your passphrase has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


# Coordinator: staff users -------------------------------------------------------------------------


@policy.requires(Action.USERS_MANAGE)
def admin_home():
    counts = services.admin_counts()
    return render_template("admin/home.html", counts=counts)


@policy.requires(Action.USERS_MANAGE)
def users():
    return render_template("admin/users.html", users=services.staff_users())


def _organisation_choices():
    return [("", _("None"))] + [(str(org_id), name) for org_id, name in directory_services.organisation_names()]


@policy.requires(Action.USERS_MANAGE)
def new_user():
    coordinator = signed_in_user()
    form = StaffUserForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            user = services.create_staff_user(
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
                created_by=coordinator,
            )
        except AccountError as error:
            if error.field == "email":
                form.email.errors = [_("There is already an account with this email address")]
            else:
                form.organisation_id.errors = [_("An organisation worker must belong to an organisation")]
        else:
            code = services.issue_setup_code(
                created_by=coordinator, user=user, lifetime=current_app.config["STAFF_SETUP_CODE_LIFETIME"]
            )
            db.session.commit()
            return _show_staff_code(user, code)
    return render_template("admin/new_user.html", form=form)


@policy.requires(Action.USERS_MANAGE)
def user_detail(user_id: int):
    user = services.staff_user(user_id)
    if user is None:
        abort(404)
    return render_template("admin/user.html", user=user)


@policy.requires(Action.USERS_MANAGE)
def set_user_active(user_id: int):
    coordinator = signed_in_user()
    user = services.staff_user(user_id)
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    if user.id == coordinator.id and not active:
        flash(_("You cannot deactivate your own account."))
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    services.set_active(user, active, by=coordinator)
    db.session.commit()
    flash(_("Account reactivated.") if active else _("Account deactivated. All its sessions have ended."), "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@policy.requires(Action.USERS_MANAGE)
def new_staff_setup_code(user_id: int):
    coordinator = signed_in_user()
    user = services.staff_user(user_id)
    if user is None:
        abort(404)
    code = services.issue_setup_code(
        created_by=coordinator, user=user, lifetime=current_app.config["STAFF_SETUP_CODE_LIFETIME"]
    )
    db.session.commit()
    return _show_staff_code(user, code)


def _show_staff_code(user: User, code: str):
    hours = int(current_app.config["STAFF_SETUP_CODE_LIFETIME"].total_seconds() // 3600)
    return render_template("admin/setup_code.html", user=user, code=services.format_code(code), hours=hours)

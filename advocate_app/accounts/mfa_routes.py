"""Views for the second factor: the code at sign-in, enrolling an authenticator app, recovery codes, reset."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from advocate_app import db, policy
from advocate_app.accounts import auth, mfa, services
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.forms import SecondFactorForm, TurnOffSecondFactorForm
from advocate_app.accounts.mfa import SecondFactorError
from advocate_app.accounts.models import User
from advocate_app.extensions import limiter
from advocate_app.i18n import isolated
from advocate_app.policy import Action
from advocate_app.urls import is_local_path

# Per address, and per account whatever the address: a 6-digit code must not be guessable by brute force.
CODE_LIMIT_PER_ADDRESS = "10 per minute; 50 per hour"
CODE_LIMIT_PER_ACCOUNT = "5 per 5 minutes; 30 per day"


def _pending_account_key() -> str:
    """Rate-limit key for the account whose second factor is being tried."""
    return f"mfa:{auth.pending_user_id() or 'none'}"


def _failed_attempt(response) -> bool:
    # Only wrong codes use up the allowance; a right one redirects or shows the recovery codes.
    return request.method == "POST" and g.get("code_refused", False)


def _signed_in_response(user: User):
    target = auth.pending_next()
    auth.sign_in(user)
    db.session.commit()
    return redirect(target if is_local_path(target) else auth.home_url_for(user))


def _pending_or_elsewhere():
    """Who is half-way through signing in, or where to send a request that is not (signed in, or timed out)."""
    if current_user.is_authenticated:
        return None, auth.redirect_home()
    user = auth.pending_user()
    if user is None:
        flash(_("Sign in again to continue."))
        return None, redirect(url_for("accounts.login"))
    return user, None


@limiter.limit(CODE_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_attempt)
@limiter.limit(CODE_LIMIT_PER_ACCOUNT, key_func=_pending_account_key, methods=["POST"], deduct_when=_failed_attempt)
def second_factor():
    """Step 2 of signing in: the code from the authenticator app, or a recovery code."""
    user, elsewhere = _pending_or_elsewhere()
    if elsewhere is not None:
        return elsewhere
    if mfa.must_enrol(user):
        return redirect(url_for("accounts.enrol_second_factor"))
    form = SecondFactorForm()
    refused = False
    if form.validate_on_submit():
        try:
            mfa.verify(user, form.code.data)
        except SecondFactorError:
            db.session.commit()  # keep the failed attempt in the audit trail
            form.code.errors = [_("That code is not right. Enter the newest code from your app, or a recovery code.")]
            refused = True
        else:
            return _signed_in_response(user)
    g.code_refused = refused or bool(form.errors)
    return render_template("accounts/second_factor.html", form=form)


def _enrolment_page(user: User, form: SecondFactorForm, *, during_sign_in: bool):
    secret = mfa.start_enrolment(user)
    db.session.commit()
    uri = mfa.provisioning_uri(user, current_app.config["SERVICE_NAME"])
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        qr=mfa.qr_svg(uri, _("QR code for your authenticator app")),
        secret=mfa.grouped_secret(secret),
        during_sign_in=during_sign_in,
    )


@limiter.limit(CODE_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_attempt)
@limiter.limit(CODE_LIMIT_PER_ACCOUNT, key_func=_pending_account_key, methods=["POST"], deduct_when=_failed_attempt)
def enrol_second_factor():
    """Staff without an authenticator app set one up before anything else."""
    user, elsewhere = _pending_or_elsewhere()
    if elsewhere is not None:
        return elsewhere
    if user.has_second_factor:
        return redirect(url_for("accounts.second_factor"))
    if request.method == "POST" and not user.totp_secret:
        return redirect(url_for("accounts.enrol_second_factor"))  # the key was never shown: show it first
    form = SecondFactorForm()
    codes = _confirm_enrolment(user, form)
    if codes is not None:
        target = auth.pending_next()
        auth.sign_in(user)
        db.session.commit()
        return render_template(
            "accounts/recovery_codes.html",
            codes=codes,
            next_url=target if is_local_path(target) else auth.home_url_for(user),
        )
    return _enrolment_page(user, form, during_sign_in=True)


def _confirm_enrolment(user, form: SecondFactorForm) -> list[str] | None:
    """The new recovery codes when the typed code confirms the app; otherwise None, with the error on the field."""
    codes = None
    refused = False
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(user, form.code.data)
        except SecondFactorError:
            db.session.commit()
            form.code.errors = [_("That code is not right. Enter the code your app shows now.")]
            refused = True
    g.code_refused = refused or bool(form.errors)
    return codes


@login_required
def two_factor():
    """What protects this account, and the choices about it."""
    user = signed_in_user()
    return render_template(
        "accounts/two_factor.html",
        codes_left=mfa.recovery_codes_left(user) if user.has_second_factor else 0,
        off_form=TurnOffSecondFactorForm(),
    )


@login_required
@limiter.limit(CODE_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_attempt)
def two_factor_setup():
    """A person signing in for themselves adds an authenticator app."""
    user = signed_in_user()
    if user.has_second_factor:
        return redirect(url_for("accounts.two_factor"))
    if request.method == "POST" and not user.totp_secret:
        return redirect(url_for("accounts.two_factor_setup"))  # the key was never shown: show it first
    form = SecondFactorForm()
    codes = _confirm_enrolment(user, form)
    if codes is not None:
        db.session.commit()
        return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.two_factor"))
    return _enrolment_page(user, form, during_sign_in=False)


@login_required
@limiter.limit("10 per hour")
def new_recovery_codes():
    """New recovery codes (the old ones stop working)."""
    user = signed_in_user()
    if not user.has_second_factor:
        return redirect(url_for("accounts.two_factor"))
    codes = mfa.issue_recovery_codes(user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.two_factor"))


@policy.requires(Action.TWO_FACTOR_OFF)
@limiter.limit("10 per hour")
def two_factor_off():
    """A person signing in for themselves turns the second factor off, with their passphrase."""
    user = signed_in_user()
    form = TurnOffSecondFactorForm()
    if form.validate_on_submit():
        try:
            mfa.turn_off(user, form.password.data)
        except SecondFactorError:
            db.session.commit()
            form.password.errors = [_("Your passphrase is not right")]
        else:
            db.session.commit()
            flash(_("Sign-in codes are turned off. You sign in with your passphrase alone."), "success")
            return redirect(url_for("accounts.two_factor"))
    return render_template("accounts/two_factor.html", codes_left=mfa.recovery_codes_left(user), off_form=form)


@policy.requires(Action.USERS_MANAGE)
def reset_two_factor(user_id: int):
    """A coordinator resets a staff member's authenticator app (lost or replaced phone)."""
    coordinator = signed_in_user()
    user = services.staff_user(user_id)
    if user is None:
        abort(404)
    if user.id == coordinator.id:
        flash(_("Ask another coordinator to reset your own authenticator app."))
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    mfa.reset(user, by=coordinator)
    db.session.commit()
    flash(
        _(
            "Authenticator app reset. %(name)s sets up a new one the next time they sign in.",
            name=isolated(user.display_name),
        ),
        "success",
    )
    return redirect(url_for("accounts.user_detail", user_id=user.id))

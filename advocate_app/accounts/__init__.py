"""Signing in and out, server-side sessions, setting up logins, and managing staff."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

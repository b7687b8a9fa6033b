"""Signing in and out, server-side sessions, setting up logins, and managing staff."""

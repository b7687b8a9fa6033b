"""Consent: what a person agreed to share, with whom, for what and until when; sharing without consent."""

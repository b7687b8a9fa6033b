"""Referrals from advocates to services, and the organisation worker's inbox."""

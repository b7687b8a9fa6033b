"""Offline visit mode for advocates: a person's plan kept encrypted on the phone for a visit, and the
changes made without a signal sent back through the same services as the online forms."""

"""The team around the person: who leads each need, one organisation at a time, and whether work was done with
the person or about them (the blueprint is in ``blueprint.py``)."""

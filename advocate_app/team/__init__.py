"""The team around the person: who leads each need, one organisation at a time, whether work was done with the
person or about them, the person's verdict on the help, and the partnership's reviews of each organisation (the
blueprint is in ``blueprint.py``)."""

"""Co-produced plans: about me, needs, goals, steps, comments, agreement, check-ins and reviews."""

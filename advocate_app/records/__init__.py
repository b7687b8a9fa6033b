"""A person's own view of their record: who has seen it, everything held about them, and retention."""

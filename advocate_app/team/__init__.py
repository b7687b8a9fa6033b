"""The team around the person: who is helping with what, the person's verdict on the help, partnership reviews."""

"""Alumni has no tables of its own: its members are enrollment memberships."""

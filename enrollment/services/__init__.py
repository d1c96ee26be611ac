"""Everything that changes state, one module per subject."""

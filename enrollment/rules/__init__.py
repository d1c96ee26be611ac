"""Pure functions that hold the program's rules, one module per subject."""

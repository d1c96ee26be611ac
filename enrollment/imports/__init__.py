"""Data feeds: CSV imports of the program's records (docs/spec.md §2; the feeds and their
columns: docs/imports/README.md), from the admin or the shell."""

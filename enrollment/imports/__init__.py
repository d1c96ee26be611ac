"""Data feeds: CSV imports of the program's records (SPEC §2), from the admin or the shell."""

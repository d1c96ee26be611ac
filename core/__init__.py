"""Pieces every app shares and that import no app: the domain error base, the task base,
the transition check. The bottom layer: alumni → enrollment → verification → core."""

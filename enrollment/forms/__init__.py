"""One form per wizard step, and the support console forms."""

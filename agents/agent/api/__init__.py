"""/agents/ (with lifecycle actions) and /groups/ (with members)."""

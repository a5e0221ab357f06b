"""/agents/{id}/keys/."""

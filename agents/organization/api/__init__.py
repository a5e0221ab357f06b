"""/organizations/ and /roles/."""

"""/organizations/ (with onboard/) and /roles/."""

"""/organizations/onboard/."""

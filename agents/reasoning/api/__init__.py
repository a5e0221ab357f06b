"""agents/{id}/beliefs/, agents/{id}/goals/ and agents/{id}/events/."""

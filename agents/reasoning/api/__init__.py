"""agents/{id}/beliefs/ and agents/{id}/goals/."""

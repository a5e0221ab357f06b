"""/messages/, /deliveries/, /conversations/, /dead-letters/, agents/{id}/inbox/ and agents/{id}/subscriptions/."""

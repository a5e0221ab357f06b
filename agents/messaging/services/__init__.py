"""Writes of messaging: send, outbox, wake-up, delivery, acks, dead letters, sweeper, subscriptions."""

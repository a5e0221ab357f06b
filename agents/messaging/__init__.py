"""Agent messaging: the outbox send, the batched delivery worker, acks, retries, dead letters, the sweeper.

Guarantees (ARCHITECTURE.md §7, docs/messaging.md): a send is committed with all
its deliveries before it is acknowledged; the broker only carries wake-ups;
delivery is at least once and inbox effects happen once per delivery id.
"""

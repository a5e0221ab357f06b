"""The agents domain, one package per concept, each allowed to import only the ones above it.

- common/        limits, fields, validation, domain errors, audit helpers, API and admin bases; imports no package.
- organization/  Organization, AgentRole (+ templates), organization grants; imports common.
- agent/         Agent (+ lifecycle), AgentGroup, Membership, the agent-key principal, which agents a caller may
                 see or act as (agent/access.py); imports organization.
- keys/          AgentApiKey, hashing, the cache, DRF authentication (keys/api/); imports agent.
- messaging/     Message, Delivery, Subscription, DeadLetter; send to ack, who speaks as whom; hands internal
                 deliveries to reasoning through the handler it registers (messaging/inbox.py); imports keys.
- protocols/     interaction protocols over messaging (empty until its issue); may import messaging.
- reasoning/     Belief, Goal, AgentEvent, AgentRuntime, Plan (plans/: versions, steps, the text form) (soon
                 Intention, the cycle); may import protocols.
- supervision/   SupervisorPolicy, AgentSupervision, SupervisionEvent; the beat's check (failure signals,
                 restarts with back-off, OTP strategies, escalation), heartbeats; may import reasoning.
- learning/      plan outcomes, statistics, selection policies, sharing; may import supervision.
- onboarding/    describe a business, get a staffed organization; may import every package above.
- simulation/    the simulated business environment (organizations marked as simulations live through simulated
                 days, told through reasoning's belief services); may import every package above.

Doors (each package's api/, admin.py, tasks.py, and management/) may import any package's services and
selectors; nothing imports a door. The root modules (models, admin, tasks, integrity, urls, apps) are
the thin facades Django and Celery find by name. tests/test_architecture.py checks all of this.
"""

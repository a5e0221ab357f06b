from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from agents.agent.access import register_policy as register_agent_policy
        from agents.agent.hooks import agent_kind_hook_register, agent_resume_hook_register
        from agents.agent.selectors import organization_audit_choices, organization_audit_condition
        from agents.keys import schema  # noqa: F401  (registers the OpenAPI agent-key scheme)
        from agents.learning.hooks import learning_hooks_register
        from agents.messaging.inbox import inbox_handler_register
        from agents.organization.access import register_policy as register_organization_policy
        from agents.protocols.hooks import protocol_hooks_register
        from agents.reasoning.actions.registry import actions_load
        from agents.reasoning.approvals.hooks import approval_answer_hook_register
        from agents.reasoning.cycle.drain import runtime_resumed
        from agents.reasoning.events.services import message_events_store, protocol_runs_closed
        from agents.reasoning.runtime.services import runtime_kinds_changed, runtimes_try_lock
        from agents.reasoning.runtime.wakeup import reasoning_wakeup_enable
        from agents.supervision.services.answers import escalation_answered
        from auditlog.scopes import AuditScope, audit_scope_register

        register_organization_policy()
        register_agent_policy()
        # The audit list filters by organization; auditlog sits below agents, so it is told how (auditlog/scopes.py).
        audit_scope_register(AuditScope(parameter="organization", title="organization",
                                        choices=organization_audit_choices, condition=organization_audit_condition))
        # Earlier packages hand work to reasoning through hooks, never an import (LAYOUT.md): a delivery to an
        # internal agent becomes its message event, and an internal agent gets its runtime row.
        inbox_handler_register(message_events_store)
        agent_kind_hook_register(runtime_kinds_changed)
        # The protocol sweeper locks runs' initiators and tells them of timeouts through reasoning.
        protocol_hooks_register(lock=runtimes_try_lock, closed=protocol_runs_closed)
        actions_load()  # the built-in actions, then the deployment's own (ACTIONS_MODULES)
        agent_resume_hook_register(runtime_resumed)
        # People's answer to an escalation (a standalone approval request) may restart the agent.
        approval_answer_hook_register(escalation_answered)
        # The cycle hands its plan outcomes to learning and asks it which plan to choose (docs/learning.md).
        learning_hooks_register()
        # The cycle's task (agents.reason_due) is registered: events now publish its wake-up.
        reasoning_wakeup_enable()

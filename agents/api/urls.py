"""/api/v1/ routes of the agents domain."""

from django.urls import path, register_converter

from agents.api import views_agents, views_bdi, views_messages, views_orgs, views_subscriptions
from agents.models import BELIEF_KEY_REGEX


class BeliefKeyConverter:
    """Only what a belief key can be (``BELIEF_KEY_REGEX``): a NUL or garbage in the path is a 404 at the
    router, never a database query PostgreSQL refuses."""

    regex = BELIEF_KEY_REGEX.removeprefix("^").removesuffix("$")

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BeliefKeyConverter, "belief_key")

urlpatterns = [
    path("organizations/", views_orgs.OrganizationListApi.as_view(), name="organization-list"),
    path("organizations/onboard/", views_orgs.OrganizationOnboardApi.as_view(), name="organization-onboard"),
    path("organizations/<uuid:pk>/", views_orgs.OrganizationDetailApi.as_view(), name="organization-detail"),
    path("roles/", views_orgs.RoleListApi.as_view(), name="role-list"),
    path("roles/<uuid:pk>/", views_orgs.RoleDetailApi.as_view(), name="role-detail"),
    path("groups/", views_orgs.GroupListApi.as_view(), name="group-list"),
    path("groups/<uuid:pk>/", views_orgs.GroupDetailApi.as_view(), name="group-detail"),
    path("groups/<uuid:pk>/members/", views_orgs.GroupMemberListApi.as_view(), name="group-members"),
    path("groups/<uuid:pk>/members/<uuid:agent_id>/", views_orgs.GroupMemberDetailApi.as_view(),
         name="group-member-detail"),
    path("agents/", views_agents.AgentListApi.as_view(), name="agent-list"),
    path("agents/<uuid:pk>/", views_agents.AgentDetailApi.as_view(), name="agent-detail"),
    path("agents/<uuid:pk>/pause/", views_agents.AgentPauseApi.as_view(), name="agent-pause"),
    path("agents/<uuid:pk>/resume/", views_agents.AgentResumeApi.as_view(), name="agent-resume"),
    path("agents/<uuid:pk>/restart/", views_agents.AgentRestartApi.as_view(), name="agent-restart"),
    path("agents/<uuid:pk>/keys/", views_agents.AgentKeyListApi.as_view(), name="agent-keys"),
    path("agents/<uuid:pk>/keys/<uuid:key_id>/revoke/", views_agents.AgentKeyRevokeApi.as_view(),
         name="agent-key-revoke"),
    path("agents/<uuid:pk>/beliefs/", views_bdi.BeliefListApi.as_view(), name="agent-beliefs"),
    path("agents/<uuid:pk>/beliefs/<belief_key:key>/", views_bdi.BeliefDetailApi.as_view(), name="agent-belief-detail"),
    path("agents/<uuid:pk>/goals/", views_bdi.GoalListApi.as_view(), name="agent-goals"),
    path("agents/<uuid:pk>/goals/<uuid:goal_id>/", views_bdi.GoalDetailApi.as_view(), name="agent-goal-detail"),
    path("agents/<uuid:pk>/inbox/", views_messages.AgentInboxApi.as_view(), name="agent-inbox"),
    path("agents/<uuid:pk>/subscriptions/", views_subscriptions.SubscriptionListApi.as_view(),
         name="agent-subscriptions"),
    path("agents/<uuid:pk>/subscriptions/<uuid:subscription_id>/", views_subscriptions.SubscriptionDetailApi.as_view(),
         name="agent-subscription-detail"),
    path("messages/", views_messages.MessageListApi.as_view(), name="message-list"),
    path("messages/batch/", views_messages.MessageBatchApi.as_view(), name="message-batch"),
    path("messages/<uuid:pk>/", views_messages.MessageDetailApi.as_view(), name="message-detail"),
    path("deliveries/<uuid:pk>/", views_messages.DeliveryDetailApi.as_view(), name="delivery-detail"),
    path("deliveries/<uuid:pk>/ack/", views_messages.DeliveryAckApi.as_view(), name="delivery-ack"),
    path("deliveries/<uuid:pk>/nack/", views_messages.DeliveryNackApi.as_view(), name="delivery-nack"),
    path("conversations/<uuid:pk>/", views_messages.ConversationApi.as_view(), name="conversation-detail"),
    path("dead-letters/", views_messages.DeadLetterListApi.as_view(), name="dead-letter-list"),
    path("dead-letters/<uuid:pk>/", views_messages.DeadLetterDetailApi.as_view(), name="dead-letter-detail"),
    path("dead-letters/<uuid:pk>/redeliver/", views_messages.DeadLetterRedeliverApi.as_view(),
         name="dead-letter-redeliver"),
]

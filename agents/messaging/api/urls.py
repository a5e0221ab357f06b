"""/api/v1/ routes of messaging."""

from django.urls import path

from agents.messaging.api.dead_letters import DeadLetterDetailApi, DeadLetterListApi, DeadLetterRedeliverApi
from agents.messaging.api.deliveries import AgentInboxApi, DeliveryAckApi, DeliveryDetailApi, DeliveryNackApi
from agents.messaging.api.messages import ConversationApi, MessageBatchApi, MessageDetailApi, MessageListApi
from agents.messaging.api.subscriptions import SubscriptionDetailApi, SubscriptionListApi

urlpatterns = [
    path("agents/<uuid:pk>/inbox/", AgentInboxApi.as_view(), name="agent-inbox"),
    path("agents/<uuid:pk>/subscriptions/", SubscriptionListApi.as_view(), name="agent-subscriptions"),
    path("agents/<uuid:pk>/subscriptions/<uuid:subscription_id>/", SubscriptionDetailApi.as_view(),
         name="agent-subscription-detail"),
    path("messages/", MessageListApi.as_view(), name="message-list"),
    path("messages/batch/", MessageBatchApi.as_view(), name="message-batch"),
    path("messages/<uuid:pk>/", MessageDetailApi.as_view(), name="message-detail"),
    path("deliveries/<uuid:pk>/", DeliveryDetailApi.as_view(), name="delivery-detail"),
    path("deliveries/<uuid:pk>/ack/", DeliveryAckApi.as_view(), name="delivery-ack"),
    path("deliveries/<uuid:pk>/nack/", DeliveryNackApi.as_view(), name="delivery-nack"),
    path("conversations/<uuid:pk>/", ConversationApi.as_view(), name="conversation-detail"),
    path("dead-letters/", DeadLetterListApi.as_view(), name="dead-letter-list"),
    path("dead-letters/<uuid:pk>/", DeadLetterDetailApi.as_view(), name="dead-letter-detail"),
    path("dead-letters/<uuid:pk>/redeliver/", DeadLetterRedeliverApi.as_view(), name="dead-letter-redeliver"),
]

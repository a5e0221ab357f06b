"""/api/v1/ routes of the agents domain: each package's own, in one list (config/urls.py includes this)."""

from agents.agent.api import urls as agent_urls
from agents.keys.api import urls as keys_urls
from agents.learning.api import urls as learning_urls
from agents.messaging.api import urls as messaging_urls
from agents.organization.api import urls as organization_urls
from agents.protocols.api import urls as protocols_urls
from agents.reasoning.api import urls as reasoning_urls
from agents.reasoning.approvals.api import urls as approvals_urls
from agents.reasoning.plans.api import urls as plans_urls
from agents.supervision.api import urls as supervision_urls

urlpatterns = [
    *organization_urls.urlpatterns,
    *agent_urls.urlpatterns,
    *keys_urls.urlpatterns,
    *reasoning_urls.urlpatterns,
    *plans_urls.urlpatterns,
    *approvals_urls.urlpatterns,
    *protocols_urls.urlpatterns,
    *messaging_urls.urlpatterns,
    *supervision_urls.urlpatterns,
    *learning_urls.urlpatterns,
]

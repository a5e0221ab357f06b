"""The admin as the operator's console: the dashboard on its index, and the admin site itself.

- ``figures.py``: what the dashboard shows, for the staff member who asks (each figure of the organizations
  they may view, one aggregate query each), and ``simulation_panel``, where the simulated company's charts
  plug in;
- ``charts.py``: a bar chart of any series, drawn on the server as SVG (``bar_chart``);
- ``site.py``: ``MabosAdminSite`` (the dashboard on the index, the audit history and the agent links on every
  project admin) and ``MabosAdminConfig``, installed in INSTALLED_APPS in place of ``django.contrib.admin``.

The page (templates/admin/index.html) refreshes its figures itself: mabos/static/mabos/dashboard.js, a
same-origin script (the CSP allows no inline one), fetches the page every ``REFRESH_SECONDS`` and swaps the
figures in, except while a person is using a form on it. Approve and Reject post to the approvals admin
(``admin:agents_approvalrequest_decide``), the same service and rules as its list actions and the API.
"""

from mabos.dashboard.charts import Bar, BarChart, bar_chart
from mabos.dashboard.figures import CHART_MINUTES, REFRESH_SECONDS, dashboard_context, messages_per_minute
from mabos.dashboard.site import MabosAdminConfig, MabosAdminSite

__all__ = ["CHART_MINUTES", "REFRESH_SECONDS", "Bar", "BarChart", "MabosAdminConfig", "MabosAdminSite",
           "bar_chart", "dashboard_context", "messages_per_minute"]

"""Admin screens of the agents domain. Every write goes through the services; every list and dropdown
is filtered by object permission (accounts.admin_permissions.ObjectPermissionAdminMixin)."""

from agents.admin import keys, messages, organizations, roles_groups, staff  # noqa: F401  (registers the ModelAdmins)

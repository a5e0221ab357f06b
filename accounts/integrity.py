"""Consistency checks for accounts (run by ``manage.py check_integrity``)."""

from django.db.models import QuerySet

from accounts.models import User
from mabos.integrity import integrity_check


@integrity_check("accounts.superuser_is_staff", "A superuser must be staff, or they cannot reach the admin.")
def superusers_without_staff() -> QuerySet[User]:
    return User.objects.filter(is_superuser=True, is_staff=False)

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Create the admin user on a fresh database and print its password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        user, password = admin_ensure(username=username, password=settings.MABOS_CONFIG.MABOS_ADMIN_PASSWORD)
        if password is None:
            self.stdout.write(f"Admin user '{user.username}' already exists; its password is unchanged.")
            return
        shown = "(from MABOS_ADMIN_PASSWORD)" if settings.MABOS_CONFIG.MABOS_ADMIN_PASSWORD else password
        self.stdout.write(self.style.SUCCESS(
            f"Created admin user '{user.username}' with password: {shown}\n"
            "It is shown only this once; change it in the admin."))

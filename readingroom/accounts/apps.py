from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


class AccountsConfig(AppConfig):
    name = "readingroom.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit log"

    def ready(self):
        from . import signals  # noqa: F401  (connects the audit log to Django's auth signals)

        # After every migrate (and test database flush): the groups of the roles, with their permissions. This app
        # comes after records in INSTALLED_APPS, so the records' permissions exist by then.
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="readingroom-ensure-roles")

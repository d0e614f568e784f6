from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Kommunalhub")

    def ready(self) -> None:
        from hub import outbox

        outbox.connect_signals()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Imports and exports: the formats public administrations already publish
    (publiccode.yml, GV-ISys, OZG/LeiKa catalogues, CSV inventories), open data and backups."""

    name = "exchange"
    verbose_name = _("Import und Export")

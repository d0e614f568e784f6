from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Wissensdatenbank")

    def ready(self) -> None:
        from hub import outbox

        # Articles and tags go through the one outbox: the search index (knowledge.index)
        # and the graph projection both consume these events.
        outbox.track("knowledge.Article", "article")
        outbox.track("knowledge.Tag", "tag")

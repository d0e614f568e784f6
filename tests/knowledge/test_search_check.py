"""The search index checked against the database (knowledge.index.drift, search_check): the
soak's last check, and an operator's after a restore."""

import pytest
from django.core.management import CommandError, call_command

from knowledge import index as search_index
from tests import factories
from tests.knowledge.conftest import drain


def test_index_matches_the_database_once_the_outbox_drained(linked):
    drain()
    assert search_index.drift() == {}
    call_command("search_check")


def test_drift_names_missing_and_extra_documents(linked):
    drain()
    factories.SoftwareFactory(slug="neu-im-katalog")  # not yet applied to the index
    with search_index.writer() as w:
        w.add_document(doc_id=search_index.doc_id("service", 999_999), doctype="service")
    assert search_index.drift() == {"software": {"missing": 1, "extra": 0},
                                    "service": {"missing": 0, "extra": 1}}
    with pytest.raises(CommandError, match="software"):
        call_command("search_check")
    drain()
    search_index.rebuild()
    assert search_index.drift() == {}

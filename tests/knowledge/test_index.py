"""The index as a projection: rebuildable from scratch, one writer, reused searcher."""

import multiprocessing
import shutil
import threading
import traceback

import pytest
from whoosh import index as whoosh_index
from whoosh.index import LockError

from bench.corpus_de import Generator
from hub import outbox
from hub import services as hub_services
from knowledge import engine, search, services
from knowledge import index as search_index
from tests import factories
from tests.knowledge.conftest import drain
from tests.knowledge.test_search import _publish


def _picture(users, queries):
    """Everything a user can observe of the search: totals, order, facets, suggestion."""
    seen = []
    for user in users:
        for query in queries:
            result = search.search_articles(user=user, query=query)
            seen.append((query, result.total, [h.title for h in result.hits], result.suggestion,
                         {k: [(v.value, v.count) for v in vs] for k, vs in result.facets.items()}))
            everything = search.search_all(user=user, query=query)
            seen.append((query, everything.total, [(h.doctype, h.title) for h in everything.hits]))
    return seen


def test_deleting_the_index_directory_and_rebuilding_loses_nothing(
        linked, world, moderator, member, anonymous, search_index_dir):
    _publish(moderator, "Digitales Bürgerbüro", "Termine online [[software:sessionnet]]",
             tags=["Bürgerservice"], software=[linked.sessionnet], municipalities=[world.own])
    _publish(moderator, "Wohngeld digital", "EfA-Dienst", services=[linked.wohngeld],
             visibility="members", kind="guide")
    services.article_create(actor=member, title="Entwurf Kita-Portal", body="Bürger melden an")
    drain()
    queries = ["Bürger", "Wohngeld", "Mettmann", "Kita", "Ratsinfo", "SessionNet", ""]
    before = _picture([anonymous, member, moderator], queries)
    search.close()
    shutil.rmtree(search_index_dir)
    # 3 articles, 3 municipalities, 2 software, 2 services, 1 organisation, 1 collaboration
    assert search_index.rebuild() == 12
    assert _picture([anonymous, member, moderator], queries) == before


def test_search_rebuilds_a_missing_index_by_itself(linked, moderator, anonymous, search_index_dir):
    _publish(moderator, "Digitales Bürgerbüro")
    drain()
    search.close()
    shutil.rmtree(search_index_dir)
    assert search.search_articles(user=anonymous, query="Bürgerbüro").total == 1


def test_rebuild_event_from_a_bulk_load_rebuilds(world, anonymous):
    drain()
    factories.MunicipalityFactory.create_batch(3, name="Neanderthal")  # events per row
    drain()
    from hub.models import Municipality, OutboxEvent

    Municipality.objects.bulk_create([Municipality(ags="05158008", name="Haan", kind="stadt",
                                                   state=world.own.state)])  # no signals
    assert search.search_all(user=anonymous, query="Haan").total == 0
    outbox.emit_rebuild("bulk import")
    assert OutboxEvent.objects.filter(op="rebuild").exists()
    drain()
    assert search.search_all(user=anonymous, query="Haan").total == 1
    assert search.search_all(user=anonymous, query="Neanderthal").total == 3


def test_hub_entities_follow_create_and_delete(world, anonymous):
    software = hub_services.software_create(actor=None, name="OpenRathaus", slug="openrathaus",
                                            category=factories.CategoryFactory())
    drain()
    assert [h.title for h in search.search_all(user=anonymous, query="Openrathaus").hits] == ["OpenRathaus"]
    software.delete()
    drain()
    assert search.search_all(user=anonymous, query="Openrathaus").total == 0


def test_outdated_schema_is_rebuilt(linked, moderator, anonymous, search_index_dir):
    _publish(moderator, "Digitales Bürgerbüro")
    drain()
    search.close()
    with search_index.writer() as w:
        w.update_document(doc_id="meta:version", doctype="meta", version="0")
    ix = whoosh_index.open_dir(str(search_index_dir))
    assert not search_index.is_current(ix)
    assert search.search_articles(user=anonymous, query="Bürgerbüro").total == 1
    assert search_index.is_current(whoosh_index.open_dir(str(search_index_dir)))


def test_searcher_is_reused_until_the_index_changes(linked, moderator, anonymous):
    _publish(moderator, "Digitales Bürgerbüro")
    drain()
    search.search_articles(user=anonymous, query="Bürger")
    first = search._State.searcher
    search.search_articles(user=anonymous, query="Büro")
    assert search._State.searcher is first
    _publish(moderator, "Bürgerbüro zwei")
    drain()
    assert search.search_articles(user=anonymous, query="Bürgerbüro").total == 2
    assert search._State.searcher is not first


def _write_many(prefix: str, count: int) -> None:
    for n in range(count):
        with search_index.writer() as w:
            w.update_document(doc_id=f"{prefix}:{n}", doctype="test", text=f"Dokument {prefix} {n}")


def _child(prefix: str, count: int, errors) -> None:
    try:
        _write_many(prefix, count)
    except Exception:  # noqa: BLE001 - reported to the parent
        errors.put(traceback.format_exc())


def test_concurrent_writers_wait_instead_of_lock_errors(db, search_index_dir):
    search_index.rebuild()
    ix = whoosh_index.open_dir(str(search_index_dir))
    held = ix.writer()
    with pytest.raises(LockError):  # what a plain Whoosh writer does under contention
        ix.writer()
    held.cancel()

    errors: list[str] = []

    def run(prefix: str) -> None:
        try:
            _write_many(prefix, 5)
        except Exception:  # noqa: BLE001
            errors.append(traceback.format_exc())

    ctx = multiprocessing.get_context("fork")
    child_errors = ctx.Queue()
    processes = [ctx.Process(target=_child, args=(f"p{i}", 5, child_errors)) for i in range(2)]
    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(4)]
    for worker in (*processes, *threads):
        worker.start()
    for worker in (*threads, *processes):
        worker.join()
    while not child_errors.empty():
        errors.append(child_errors.get())
    assert errors == []
    assert all(p.exitcode == 0 for p in processes)
    with whoosh_index.open_dir(str(search_index_dir)).searcher() as searcher:
        assert len(list(searcher.documents(doctype="test"))) == 30


def test_block_reader_returns_exactly_the_postings(search_index_dir):
    from whoosh import fields

    search_index_dir.mkdir(parents=True)
    ix = whoosh_index.create_in(str(search_index_dir), search_index.schema())
    docs = Generator(seed=1).corpus(300, n_words=300)
    for chunk in (docs[:150], docs[150:]):  # two segments
        with ix.writer() as w:
            for d in chunk:
                w.add_document(doc_id=str(d.id), doctype="article", text=d.body)
    assert isinstance(ix.schema["text"], fields.TEXT)
    with ix.searcher() as searcher:
        for leaf, _base in searcher.reader().leaf_readers():
            terms = [t.decode() for t in list(leaf.lexicon("text"))[::25]]
            assert len(terms) > 20
            for term in terms:
                fast = engine.read_postings(leaf.postings("text", term))
                slow = engine.read_postings_generic(leaf.postings("text", term))
                assert fast[0].tolist() == slow[0].tolist()
                assert fast[1].tolist() == slow[1].tolist()


def test_readiness_reports_the_search_index(client, linked, moderator, search_index_dir):
    body = client.get("/readyz").json()
    assert body["checks"]["search"]["ok"] is True
    assert body["checks"]["search"]["detail"] == {"index": "missing"}
    _publish(moderator, "Digitales Bürgerbüro")
    drain()
    body = client.get("/readyz").json()
    # 1 article, 3 municipalities, 2 software, 2 services, 1 organisation, 1 collaboration
    assert body["checks"]["search"]["detail"] == {"index": "current", "documents": 10}

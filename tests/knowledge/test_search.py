"""Search over a real Whoosh index fed through the real outbox."""

import pytest

from hub import services as hub_services
from knowledge import search, services
from knowledge.models import ArticleStatus
from tests import factories
from tests.knowledge.conftest import drain


def _publish(moderator, title, body="", **fields):
    article = services.article_create(actor=moderator, title=title, body=body, **fields)
    services.article_publish(actor=moderator, article=article)
    return article


def _titles(result):
    return [hit.title for hit in result.hits]


@pytest.fixture
def corpus(linked, moderator, member):
    """A small knowledge base: published, members-only, drafts, archived."""
    articles = {
        "buerger": _publish(moderator, "Digitales Bürgerbüro in Erkrath",
                            "Das Bürgerbüro bietet Termine online an.", tags=["Bürgerservice"]),
        "service": _publish(moderator, "Bürgerservice am Telefon",
                            "Die Hotline entlastet das Amt.", kind="guide"),
        "ris": _publish(moderator, "Ratsinformationssystem wechseln",
                        "Wir sind auf [[software:sessionnet]] umgestiegen.",
                        software=[linked.sessionnet], kind="lessons_learned", tags=["RIS"]),
        "wohngeld": _publish(moderator, "Wohngeld online beantragen",
                             "Der Antrag läuft über den EfA-Dienst.", services=[linked.wohngeld],
                             summary="Erfahrungen mit dem Online-Antrag", tags=["OZG"]),
        "members": _publish(moderator, "Vergabeunterlagen für die E-Akte",
                            "Leistungsbeschreibung für Bürgerakten.", visibility="members",
                            kind="procurement"),
        "draft": services.article_create(actor=member, title="Entwurf Bürgerportal",
                                         body="Noch nicht fertig."),
    }
    drain()
    return articles


def test_umlaut_variants_find_buerger(corpus, anonymous):
    for query in ("Bürger", "Buerger", "Burger", "BÜRGER"):
        titles = _titles(search.search_articles(user=anonymous, query=query))
        assert "Digitales Bürgerbüro in Erkrath" in titles, query


def test_prefix_finds_compounds(corpus, anonymous):
    result = search.search_articles(user=anonymous, query="Bürger")
    assert "Bürgerservice am Telefon" in _titles(result)
    hit = next(h for h in result.hits if h.title == "Bürgerservice am Telefon")
    assert hit.title_highlight == "<mark>Bürgerservice</mark> am Telefon"
    bueros = next(h for h in result.hits if h.title == "Digitales Bürgerbüro in Erkrath")
    assert "<mark>Bürgerbüro</mark>" in bueros.highlight


def test_a_compound_match_counts_less_than_the_word_itself(moderator, anonymous, db):
    _publish(moderator, "Allgemeines", "Das Bürgerservicecenter hilft.")
    _publish(moderator, "Verschiedenes", "Der Bürger hilft.")
    drain()
    hits = search.search_articles(user=anonymous, query="Bürger").hits
    assert [h.title for h in hits] == ["Verschiedenes", "Allgemeines"]
    assert hits[0].score > hits[1].score


def test_fuzzy_match_with_did_you_mean(corpus, anonymous):
    result = search.search_articles(user=anonymous, query="Ratsinfromationssystem")
    assert _titles(result) == ["Ratsinformationssystem wechseln"]
    assert result.fuzzy
    assert result.suggestion == "ratsinformationssystem"


def test_title_outranks_summary_outranks_body(moderator, anonymous, db):
    _publish(moderator, "Allgemeines", "Hier steht Friedhofsverwaltung im Text.")
    _publish(moderator, "Verschiedenes", "Nichts.", summary="Friedhofsverwaltung kurz")
    _publish(moderator, "Friedhofsverwaltung digital", "Nichts weiter.")
    drain()
    result = search.search_articles(user=anonymous, query="Friedhofsverwaltung")
    assert _titles(result) == ["Friedhofsverwaltung digital", "Verschiedenes", "Allgemeines"]


def test_members_only_never_reach_anonymous_or_vendors(corpus, anonymous, vendor, member):
    for user in (anonymous, vendor):
        result = search.search_articles(user=user, query="E-Akte")
        assert result.total == 0 and result.hits == []
        assert search.search_articles(user=user, query="").total == 4
    result = search.search_articles(user=member, query="E-Akte")
    assert _titles(result) == ["Vergabeunterlagen für die E-Akte"]


def test_drafts_reach_only_authors_and_moderators(corpus, member, other_editor, moderator):
    for user, expected in ((member, 1), (moderator, 1), (other_editor, 0)):
        result = search.search_articles(user=user, query="Bürgerportal")
        assert result.total == expected, user
    facets = {f.value: f.count for f in
              search.search_articles(user=other_editor, query="").facets["status"]}
    assert facets == {"published": 5}


def test_facets_and_filters(corpus, member):
    result = search.search_articles(user=member, query="")
    facets = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert facets["kind"] == {"best_practice": 3, "guide": 1, "lessons_learned": 1, "procurement": 1}
    assert facets["tags"] == {"buergerservice": 1, "ris": 1, "ozg": 1}
    assert facets["category"] == {"ratsinformationssystem": 1}
    assert facets["status"] == {"published": 5, "draft": 1}
    labels = {v.value: v.label for v in result.facets["tags"]}
    assert labels["buergerservice"] == "Bürgerservice"
    filtered = search.search_articles(user=member, query="", kinds=["guide"])
    assert _titles(filtered) == ["Bürgerservice am Telefon"]
    # the filtered facet still offers the other kinds
    assert {v.value for v in filtered.facets["kind"]} >= {"guide", "best_practice"}
    by_category = search.search_articles(user=member, query="", categories=["ratsinformationssystem"])
    assert _titles(by_category) == ["Ratsinformationssystem wechseln"]


def test_kind_is_searchable_by_its_german_name(corpus, anonymous):
    titles = _titles(search.search_articles(user=anonymous, query="Leitfaden"))
    assert titles == ["Bürgerservice am Telefon"]


def test_linked_entities_and_tags_are_searchable(corpus, anonymous):
    assert _titles(search.search_articles(user=anonymous, query="SessionNet")) == [
        "Ratsinformationssystem wechseln"]
    assert "Wohngeld online beantragen" in _titles(search.search_articles(user=anonymous, query="OZG"))


def test_highlighted_snippets_are_escaped(moderator, anonymous, db):
    _publish(moderator, "Sicherheit", "Vorsicht <script>alert(1)</script> beim Bürgerportal.")
    drain()
    hit = search.search_articles(user=anonymous, query="Buergerportal").hits[0]
    assert "<mark" in hit.highlight and "Bürgerportal</mark>" in hit.highlight
    assert "<script" not in hit.highlight


def test_pagination_and_sort_by_date(moderator, anonymous, db):
    for n in range(5):
        _publish(moderator, f"Kita-Anmeldung Teil {n}", "Kita")
    drain()
    first = search.search_articles(user=anonymous, query="Kita", limit=2, sort=search.DATE)
    second = search.search_articles(user=anonymous, query="Kita", limit=2, offset=2, sort=search.DATE)
    assert first.total == 5
    assert _titles(first) == ["Kita-Anmeldung Teil 4", "Kita-Anmeldung Teil 3"]
    assert _titles(second) == ["Kita-Anmeldung Teil 2", "Kita-Anmeldung Teil 1"]


def test_phrase_and_exclusion(corpus, anonymous):
    assert _titles(search.search_articles(user=anonymous, query='"Antrag läuft"')) == [
        "Wohngeld online beantragen"]
    assert search.search_articles(user=anonymous, query='"läuft Antrag"').total == 0
    titles = _titles(search.search_articles(user=anonymous, query="Bürger -Telefon"))
    assert "Bürgerservice am Telefon" not in titles and "Digitales Bürgerbüro in Erkrath" in titles


def test_relevant_for_my_municipality_boosts_linked_software(corpus, linked, world, own_editor, anonymous):
    plain = search.search_articles(user=own_editor, query="online")
    assert _titles(plain)[0] == "Wohngeld online beantragen"
    hub_services.usage_create(actor=own_editor, municipality=world.own, software=linked.sessionnet,
                              status="planned")
    mine = search.search_articles(user=own_editor, query="", relevant_for_my_municipality=True)
    assert _titles(mine)[0] == "Ratsinformationssystem wechseln"
    assert mine.hits[0].score > mine.hits[1].score
    anon = search.search_articles(user=anonymous, query="", relevant_for_my_municipality=True)
    assert _titles(anon)[0] != "Ratsinformationssystem wechseln" or anon.hits[0].score == anon.hits[1].score


def test_one_search_box_covers_entities(corpus, linked, world, anonymous):
    factories.OrganizationFactory(name="Kommunales Rechenzentrum Niederrhein", slug="krzn-x",
                                  aliases="KRZN")
    drain()
    result = search.search_all(user=anonymous, query="Mülheim")
    assert [(h.doctype, h.title) for h in result.hits] == [("municipality", "Mülheim an der Ruhr")]
    assert result.hits[0].url == "/kommunen/05117000/"
    session = search.search_all(user=anonymous, query="Sitzungsdienst")
    assert ("software", "SessionNet") in [(h.doctype, h.title) for h in session.hits]
    krzn = search.search_all(user=anonymous, query="KRZN")
    assert ("organization", "Kommunales Rechenzentrum Niederrhein") in [(h.doctype, h.title) for h in krzn.hits]
    wohngeld = search.search_all(user=anonymous, query="Wohngeld")
    doctypes = {v.value: v.count for v in wohngeld.facets["doctype"]}
    assert doctypes == {"article": 1, "service": 2}
    only = search.search_all(user=anonymous, query="Wohngeld", doctypes=["service"])
    assert {h.doctype for h in only.hits} == {"service"}


def test_index_follows_edits_publish_archive_delete(corpus, moderator, anonymous):
    article = corpus["ris"]
    services.article_update(actor=moderator, article=article, expected_revision=article.revision,
                            title="Sitzungsmanagement neu aufgestellt")
    drain()
    assert _titles(search.search_articles(user=anonymous, query="Sitzungsmanagement")) == [
        "Sitzungsmanagement neu aufgestellt"]
    services.article_withdraw(actor=moderator, article=article)
    drain()
    assert search.search_articles(user=anonymous, query="Sitzungsmanagement").total == 0
    services.article_publish(actor=moderator, article=article)
    services.article_archive(actor=moderator, article=article)
    drain()
    result = search.search_articles(user=anonymous, query="Sitzungsmanagement")
    assert result.total == 1 and result.hits[0].obj.status == ArticleStatus.ARCHIVED
    services.article_delete(actor=moderator, article=article)
    drain()
    assert search.search_articles(user=anonymous, query="Sitzungsmanagement").total == 0


def test_renamed_software_is_found_in_linked_articles(corpus, linked, anonymous):
    hub_services.software_update(actor=None, software=linked.sessionnet, name="Sitzungsnetz Pro")
    drain()
    titles = _titles(search.search_articles(user=anonymous, query="Sitzungsnetz"))
    assert titles == ["Ratsinformationssystem wechseln"]


def test_stop_words_only_returns_everything_visible(corpus, anonymous):
    assert search.search_articles(user=anonymous, query="und der die").total == 4


def test_fast_snippets_mark_exactly_what_a_full_scan_marks():
    from bench.corpus_de import Generator
    from knowledge.analysis import WORD, normalise

    generator = Generator(seed=3)
    docs = generator.corpus(40, n_words=200)
    extra = " Straße Strasse STRASSENBAU Buerger BÜRGERSERVICE bürgerämter Oeffentlichkeit Quelle"
    for doc, query in zip(docs, generator.queries(40), strict=True):
        text = doc.body + extra
        words = {normalise(w) for w in WORD.findall(text)} - {""}
        heads = {normalise(w) for w in query.split()} | {"strass", "burg", "offent"}
        heads.discard("")
        terms = {w for w in words if any(w.startswith(h) for h in heads)}
        assert search.highlight(text, terms) == search.highlight(
            text, terms, heads=search.heads_pattern(heads))

"""Import and export of Markdown files with YAML front matter."""

import datetime as dt

import pytest
from django.core.management import call_command

from knowledge import exchange, services
from knowledge.models import Article, ArticleRevision
from tests import factories

GOOD = """---
title: Wohngeld online mit dem EfA-Dienst
summary: Wie Erkrath den Antrag digitalisiert hat.
kind: best_practice
status: published
visibility: members
tags: [OZG, EfA]
authors: [member]
municipalities: [05158004, "05117000"]
software: [sessionnet]
services: [99107023017000, 10092]
collaborations: [ris-umstieg-mettmann]
published: 2024-03-01T09:00:00+01:00
---
# Ausgangslage

Seit 2023 läuft der Antrag über [[service:99107023017000]].
"""


def _write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_imports_front_matter_links_and_body(linked, world, member, tmp_path):
    _write(tmp_path, "wohngeld-efa.md", GOOD)
    report = exchange.import_articles(tmp_path)
    assert [(f.path, f.status, f.messages) for f in report.files] == [("wohngeld-efa.md", "created", [])]
    article = Article.objects.get(slug="wohngeld-efa")
    assert article.status == "published" and article.visibility == "members"
    assert article.published_at == dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert sorted(article.municipalities.values_list("ags", flat=True)) == ["05117000", "05158004"]
    assert list(article.software.all()) == [linked.sessionnet]
    assert set(article.services.all()) == {linked.wohngeld, linked.ozg_wohngeld}
    assert list(article.collaborations.all()) == [linked.collaboration]
    assert list(article.authors.all()) == [member]
    assert sorted(article.tags.values_list("name", flat=True)) == ["EfA", "OZG"]
    assert article.body.startswith("# Ausgangslage\n")
    assert f'href="/leistungen/{linked.wohngeld.pk}/"' in article.html  # the UI routes by pk


def test_reimport_is_idempotent(linked, world, member, tmp_path):
    _write(tmp_path, "wohngeld-efa.md", GOOD)
    exchange.import_articles(tmp_path)
    revisions = ArticleRevision.objects.count()
    report = exchange.import_articles(tmp_path)
    assert [f.status for f in report.files] == ["unchanged"]
    assert ArticleRevision.objects.count() == revisions
    _write(tmp_path, "wohngeld-efa.md", GOOD.replace("läuft der Antrag", "läuft jeder Antrag"))
    report = exchange.import_articles(tmp_path)
    assert [f.status for f in report.files] == ["updated"]
    assert "jeder Antrag" in Article.objects.get(slug="wohngeld-efa").body


def test_bad_files_are_reported_and_the_rest_imported(linked, world, tmp_path):
    _write(tmp_path, "a-gut.md", GOOD.replace("authors: [member]", "authors: [niemand]"))
    _write(tmp_path, "b-ohne-kopf.md", "# Nur Text\n")
    _write(tmp_path, "c-kaputt.md", "---\ntitle: [unclosed\n---\nText")
    _write(tmp_path, "d-falsche-art.md", "---\ntitle: X\nkind: roman\n---\nText")
    _write(tmp_path, "e-tippfehler.md", "---\ntitle: X\ntag: [a]\n---\nText")
    _write(tmp_path, "f-ohne-titel.md", "---\nsummary: x\n---\nText")
    _write(tmp_path, "g-latin1.md", "---\ntitle: Stra\xdfe\n---\n".encode("latin-1").decode("latin-1"))
    (tmp_path / "g-latin1.md").write_bytes("---\ntitle: Stra\xdfe\n---\n".encode("latin-1"))
    _write(tmp_path, "unter/h-unbekannt.md",
           "---\ntitle: Verweise\nsoftware: [gibtesnicht]\nmunicipalities: ['09999999']\n---\nText")
    report = exchange.import_articles(tmp_path)
    status = {f.path: f.status for f in report.files}
    assert status == {"a-gut.md": "created", "b-ohne-kopf.md": "failed", "c-kaputt.md": "failed",
                      "d-falsche-art.md": "failed", "e-tippfehler.md": "failed",
                      "f-ohne-titel.md": "failed", "g-latin1.md": "failed",
                      "unter/h-unbekannt.md": "created"}
    messages = {f.path: " ".join(f.messages) for f in report.files}
    assert "niemand" in messages["a-gut.md"]
    assert "roman" in messages["d-falsche-art.md"] and "tag" in messages["e-tippfehler.md"]
    assert "software:gibtesnicht" in messages["unter/h-unbekannt.md"]
    assert "municipalities:09999999" in messages["unter/h-unbekannt.md"]
    assert report.summary() == "2 neu, 0 aktualisiert, 0 unverändert, 6 fehlerhaft"


def test_round_trip_loses_nothing(linked, world, member, moderator, tmp_path):
    services.article_create(
        actor=member, title='Kosten: 3 € – "Bürgerbüro" #1', summary="Zeile 1\nZeile 2: mit Doppelpunkt",
        body="# Titel\n\n- Punkt\n\n```yaml\nkey: value\n---\n```\n\nEnde ohne Zeilenumbruch",
        tags=["E-Akte", "yes", "0815"], kind="procurement", visibility="private",
        software=[linked.sessionnet, linked.allris], municipalities=[world.own, world.other],
        services=[linked.wohngeld, linked.ozg_wohngeld], collaborations=[linked.collaboration])
    published = services.article_create(actor=moderator, title="Veröffentlicht", body="Text\n",
                                        authors=[member, moderator])
    services.article_publish(actor=moderator, article=published)
    archived = services.article_create(actor=moderator, title="Archiv", body="", is_demo=True)
    services.article_set_status(actor=moderator, article=archived, status="archived")
    services.article_create(actor=member, title="Leer", body="")

    def state():
        return [(exchange.front_matter(a), a.body, a.html)
                for a in Article.objects.order_by("slug")]

    before = state()
    first, second = tmp_path / "first", tmp_path / "second"
    assert exchange.export_articles(first) == 4
    Article.objects.all().delete()
    report = exchange.import_articles(first)
    assert report.count("created") == 4 and report.count("failed") == 0
    assert state() == before
    exchange.export_articles(second)
    for path in sorted(first.iterdir()):
        assert (second / path.name).read_bytes() == path.read_bytes()


def test_commands_print_one_line_and_fail_on_bad_files(linked, world, tmp_path, capsys):
    _write(tmp_path / "in", "gut.md", GOOD)
    call_command("import_articles", str(tmp_path / "in"), verbosity=0)
    assert "1 neu" in capsys.readouterr().out
    call_command("export_articles", str(tmp_path / "out"), verbosity=0)
    assert (tmp_path / "out" / "gut.md").exists()
    _write(tmp_path / "in", "schlecht.md", "kein Kopf")
    with pytest.raises(Exception, match="fehlerhaft"):
        call_command("import_articles", str(tmp_path / "in"), verbosity=0)
    factories.UserFactory(username="unused")  # the database stays usable after the failure

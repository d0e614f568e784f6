import gzip
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command

from exchange import report as rp
from exchange.backup import backup, backup_models, restore
from exchange.models import PubliccodeDocument
from hub import permissions
from hub.models import Municipality, OutboxEvent, Usage, Visibility
from tests import factories


def snapshot() -> list[str]:
    """Every row of every backed-up model, with natural keys, as sorted JSON lines."""
    rows = []
    for model in backup_models():
        m2m = {f.name for f in model._meta.many_to_many}  # order of related ids is not data
        for obj in serializers.serialize("python", model._default_manager.order_by("pk"),
                                         use_natural_foreign_keys=True, use_natural_primary_keys=True):
            fields = {k: sorted(v) if isinstance(v, list) and k in m2m else v
                      for k, v in obj["fields"].items()}
            rows.append(json.dumps({**obj, "fields": fields}, sort_keys=True, default=str))
    return sorted(rows)


def demo_like_hub():
    from hub import demo

    demo.load()
    permissions.ensure_groups()
    mettmann = Municipality.objects.get(ags="05158024")
    editor = factories.UserFactory(username="editor")
    editor.set_password("geheim-und-lang-2024")
    editor.save()
    permissions.grant_municipality_editor(editor, mettmann)
    moderator = factories.UserFactory(username="mod", is_staff=True)
    moderator.groups.add(*permissions.Group.objects.filter(name=permissions.MODERATORS))
    usage = Usage.objects.filter(municipality=mettmann).first() or factories.UsageFactory(
        municipality=mettmann)
    usage.visibility = Visibility.MEMBERS
    usage._history_user = editor
    usage.save()
    factories.ContactFactory(municipality=mettmann, email="kontakt@mettmann.example")
    PubliccodeDocument.objects.create(software=usage.software, document={"name": "x"},
                                      version="0", sha256="0" * 64)
    return editor, mettmann


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_with_nothing_lost(tmp_path):
    editor, mettmann = demo_like_hub()
    before = snapshot()
    path = tmp_path / "hub.json.gz"
    counts = backup(path=path)
    assert counts["hub.municipality"] == Municipality.objects.count()
    assert oct(path.stat().st_mode)[-3:] == "600"
    call_command("flush", interactive=False, verbosity=0)
    assert not Municipality.objects.exists()
    report = restore(path=path)
    assert report.ok and report.applied, report.render()
    assert snapshot() == before
    assert list(OutboxEvent.objects.values_list("op", flat=True)) == ["rebuild"]
    restored = get_user_model().objects.get(username="editor")
    assert permissions.can_edit_municipality(restored, Municipality.objects.get(ags="05158024"))
    assert restored.check_password("geheim-und-lang-2024")
    again = restore(path=path)
    assert again.errors[0].code == rp.NOT_EMPTY and not again.applied


def test_restore_refuses_files_that_are_not_backups(db, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"objects": []}')
    assert restore(path=path).errors[0].code == rp.INVALID_FORMAT
    path.write_text("no json")
    assert restore(path=path).errors[0].code == rp.INVALID_FORMAT


def test_restore_refuses_a_backup_from_a_newer_schema(db, tmp_path):
    path = tmp_path / "hub.json.gz"
    backup(path=path)
    data = json.loads(gzip.open(path, "rt").read())
    data["meta"]["migrations"]["hub"].append("9999_from_the_future")
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    report = restore(path=path)
    assert report.errors[0].code == rp.INCOMPATIBLE and "9999" in report.errors[0].text("en")


def test_new_rows_after_a_restore_do_not_collide(transactional_db, tmp_path):
    org = factories.OrganizationFactory()
    path = tmp_path / "b.json"
    backup(path=path)
    call_command("flush", interactive=False, verbosity=0)
    assert restore(path=path).ok
    assert factories.OrganizationFactory().pk > org.pk

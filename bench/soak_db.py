"""Database side of the soak (bench/soak.py), run inside the stack's environment:
`python -m bench.soak_db prepare FILE` creates editor users with read-write API tokens and
writes them (and page samples) to FILE; `python -m bench.soak_db verify ACKED` checks that
every acknowledged write is in PostgreSQL and reports the outbox backlog and whether the
search index matches the database; `counts` the size of the data set. All print JSON."""

from __future__ import annotations

import json
import sys

import django


def prepare(path: str, editors: int = 25) -> dict:
    from django.contrib.auth import get_user_model

    from api import services as api_services
    from api.models import TokenScope
    from hub import permissions
    from hub.models import Municipality, MunicipalityKind, Software

    permissions.ensure_groups()
    places = list(Municipality.objects.exclude(kind=MunicipalityKind.KREIS)
                  .order_by("?").values_list("ags", flat=True)[:editors * 2 + 200])
    slugs = list(Software.objects.order_by("?").values_list("slug", flat=True)[:400])
    tokens = []
    for number in range(editors):
        user, _created = get_user_model().objects.get_or_create(username=f"soak-editor-{number}")
        place = Municipality.objects.get(ags=places[number])
        permissions.grant_municipality_editor(user, place)
        _token, secret = api_services.api_token_create(actor=user, name="soak",
                                                       scope=TokenScope.READ_WRITE)
        tokens.append({"secret": secret, "ags": place.ags})
    fixtures = {"tokens": tokens, "ags": places[editors:], "software": slugs}
    with open(path, "w") as out:
        json.dump(fixtures, out)
    return {"editors": len(tokens), "ags": len(places), "software": len(slugs)}


def counts() -> dict:
    from hub.models import Municipality, Software, Usage

    return {"municipalities": Municipality.objects.count(), "software": Software.objects.count(),
            "usages": Usage.objects.count()}


def verify(path: str) -> dict:
    from hub import outbox
    from hub.models import Usage
    from knowledge import index

    acked = json.load(open(path))
    created = {int(pk) for pk in acked.get("created", [])}
    found = set(Usage.objects.filter(pk__in=created).values_list("pk", flat=True))
    updated = {int(pk): notes for pk, notes in acked.get("updated", {}).items()}
    stored = dict(Usage.objects.filter(pk__in=updated).values_list("pk", "notes"))
    # A later acknowledged update of the same usage may have overwritten an earlier one;
    # the file keeps the last acknowledged value per usage.
    lost_updates = [pk for pk, notes in updated.items() if stored.get(pk) != notes]
    return {"created_acked": len(created), "created_missing": len(created - found),
            "updated_acked": len(updated), "updated_lost": len(lost_updates),
            "outbox": outbox.backlog(), "search_drift": index.drift()}


def main(argv: list[str]) -> int:
    django.setup()
    command, *path = argv
    result = {"prepare": prepare, "verify": verify, "counts": counts}[command](*path)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

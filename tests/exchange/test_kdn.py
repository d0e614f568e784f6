from exchange import report as rp
from exchange.kdn import Domain, check_domain, import_kdn
from hub.models import Municipality, Organization, OrganizationKind
from tests.exchange.conftest import shared


def tables():
    return (shared("kdn", "kdn_ozg_db_service_providers_raw.csv").read_bytes(),
            shared("kdn", "kdn_ozg_db_communes_raw.csv").read_bytes())


def issues_by_line(report: rp.Report) -> dict[str, list[rp.Issue]]:
    found: dict[str, list[rp.Issue]] = {}
    for row in report.rows:
        found.setdefault(row.key, []).extend(row.issues)
    return found


def test_domain_check_tells_typos_from_abbreviations():
    assert check_domain(Domain.parse("jkreis-mettmann.de"), "Kreis Mettmann")[0] == "typo"
    assert check_domain(Domain.parse("emscheid.de"), "Stadt Remscheid") == ("typo", ("emscheid", "remscheid"))
    assert check_domain(Domain.parse("gkdpb.de"), "GKD Paderborn")[0] == "fits"
    assert check_domain(Domain.parse("stadtdo.de"), "Stadt Dortmund")[0] == "fits"
    assert check_domain(Domain.parse("http://www.stadt-koeln.de/"), "Stadt Köln")[0] == "fits"
    assert check_domain(Domain.parse("gkd-el.de"), "Stadt Gelsenkirchen")[0] == "unrelated"


def test_raw_provider_table_is_checked_not_guessed(nrw):
    providers, _ = tables()
    report = import_kdn(actor=None, providers=providers)
    by_name = issues_by_line(report)
    rejected = {r.key for r in report.rows if r.action == rp.REJECTED}
    # Typos in domains, the swapped LWL/LWV Hessen rows and the second Südwestfalen-IT row.
    assert {"Kreis Mettmann", "Stadt Remscheid", "Stadt Wuppertal", "LWL", "LWV Hessen",
            "Südwestfalen-IT"} <= rejected
    swap = [i for i in by_name["LWL"] if "LWV Hessen" in i.text("de")][0]
    assert swap.field == "url" and "LWV Hessen" in swap.text("en")
    assert any(i.field == "town" and "Kassel" in i.text("de") for i in by_name["LWL"])
    assert not Organization.objects.filter(name__in=["LWL", "LWV Hessen", "Kreis Mettmann"]).exists()
    krzn = Organization.objects.get(name="KRZN")
    assert (krzn.kind, krzn.seat, krzn.website) == (OrganizationKind.IT_PROVIDER, "Kamp-Lintfort",
                                                    "https://krzn.de")
    gelsenkirchen = Organization.objects.get(name="Stadt Gelsenkirchen")
    assert gelsenkirchen.website == ""  # unverifiable domain: reported, not taken over
    assert Organization.objects.filter(name="Südwestfalen-IT").count() == 1


def test_existing_providers_are_completed_never_overwritten(nrw):
    Organization.objects.create(name="KRZN", slug="krzn", kind=OrganizationKind.IT_PROVIDER,
                                website="https://www.krzn.de", seat="")
    Organization.objects.create(name="ITK Rheinland", slug="itk-rheinland",
                                kind=OrganizationKind.IT_PROVIDER, seat="Düsseldorf")
    providers, _ = tables()
    report = import_kdn(actor=None, providers=providers)
    krzn = Organization.objects.get(slug="krzn")
    assert (krzn.seat, krzn.website) == ("Kamp-Lintfort", "https://www.krzn.de")
    itk = Organization.objects.get(slug="itk-rheinland")
    assert itk.seat == "Düsseldorf"
    assert any("Neuss" in i.text("de") and i.field == "seat" for i in issues_by_line(report)["ITK Rheinland"])


def test_raw_commune_table_reports_unmatched_names_with_evidence(nrw):
    _, communes = tables()
    report = import_kdn(actor=None, communes=communes)
    by_name = issues_by_line(report)
    berglamen = by_name["Berglamen"][0]
    assert berglamen.code == rp.UNMATCHED and "05978004" in berglamen.text("de")
    assert "Bergkamen" in berglamen.text("en")
    assert Municipality.objects.get(ags="05978004").website == ""  # suggestion, not applied
    assert by_name["Helbra"][0].code == rp.UNMATCHED
    assert Municipality.objects.get(ags="05334008").website == "https://baesweiler.de"  # "Bäsweiler"
    halle = Municipality.objects.get(ags="05754012")  # "Halle" → Halle (Westf.), confirmed by domain
    assert halle.website.startswith("https://")
    assert report.counts[rp.REJECTED] == len([r for r in report.rows if r.action == rp.REJECTED])
    assert report.counts[rp.UPDATED] > 300


def test_dry_run_changes_nothing_and_a_second_run_is_idempotent(nrw):
    providers, communes = tables()
    dry = import_kdn(actor=None, providers=providers, communes=communes, dry_run=True)
    assert dry.counts[rp.CREATED] > 0 and not Organization.objects.exists()
    import_kdn(actor=None, providers=providers, communes=communes)
    again = import_kdn(actor=None, providers=providers, communes=communes)
    assert again.counts[rp.CREATED] == again.counts[rp.UPDATED] == 0


def test_garbage_instead_of_a_table_is_reported_not_raised(nrw):
    report = import_kdn(actor=None, providers=b"\x00\x01\x02", communes=b"foo;bar\n1;2\n")
    assert {i.code for i in report.errors} >= {rp.INVALID_ENCODING, rp.MISSING_COLUMN}

"""A seeded generator of German municipal-IT prose for the knowledge-base benchmark.

No downloads: the vocabulary below is written by hand (administration, IT, OZG) and grown
into thousands of compounds ("Bürger" + "service" → "Bürgerservice"), which is what makes
German search hard. Word frequencies follow a Zipf curve so that common words have long
posting lists, as in real text.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

FUNCTION_WORDS = """der die das und in den von zu mit sich des auf für ist im dem nicht ein eine
als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über
einen so zum war haben nur oder aber vor zur bis mehr durch man dann soll wir ihre ihr sehr
wurde alle schon kann können muss müssen sollen seit unter sowie damit diese dieser diesem""".split()

NOUNS = """Bürger Verwaltung Kommune Stadt Gemeinde Kreis Amt Antrag Bescheid Verfahren Software
Dienst Leistung Portal Akte Rat Sitzung Vorlage Beschluss Haushalt Steuer Gebühr Wohngeld Kita
Schule Straße Genehmigung Register Meldung Ausweis Pass Termin Mitarbeiterin Mitarbeiter
Fachbereich Dezernat Projekt Ausschreibung Vergabe Vertrag Lizenz Schnittstelle Datenbank
Server Rechenzentrum Netzwerk Sicherheit Datenschutz Einführung Umstellung Migration Schulung
Anwender Hersteller Anbieter Kosten Zeitplan Erfahrung Ergebnis Problem Lösung Zusammenarbeit
Abstimmung Standard Formular Zahlung Signatur Postfach Nachweis Urkunde Geburt Ehe Kind Familie
Unternehmen Gewerbe Abfall Wasser Energie Klima Verkehr Friedhof Feuerwehr Ordnung Sozialhilfe
Jugend Pflege Gesundheit Umwelt Wahl Statistik Archiv Bibliothek Kultur Sport Tourismus
Wirtschaft Förderung Digitalisierung Strategie Konzept Prozess Ablauf Qualität Nutzer
Oberfläche Barrierefreiheit Zugang Konto Identität Anmeldung Hilfe Beratung Stelle Personal
Zeit Jahr Monat Woche Beispiel Frage Antwort Hinweis Ziel Aufgabe Rolle Verantwortung
Entscheidung Grundlage Gesetz Verordnung Richtlinie Vorgabe Bericht Übersicht Änderung Prüfung
Freigabe Bearbeitung Zuständigkeit Öffentlichkeit Behörde Ministerium Land Bund Landkreis
Einwohner Bürgermeisterin Bürgermeister Ratsmitglied Fraktion Ausschuss Kämmerei Bauamt
Ordnungsamt Standesamt Jugendamt Sozialamt Einwohnermeldeamt Bürgerbüro Rathaus Dienstleister
Zweckverband Kooperation Partner Pilot Betrieb Wartung Support Update Version Modul Fachverfahren
Dokument Scan Posteingang Rechnung Buchung Mahnung Vollstreckung Grundsteuer Hundesteuer
Parkausweis Anwohnerparken Sperrmüll Baugenehmigung Bauantrag Elterngeld Kindergeld Führerschein
Kfz Zulassung Gewerbeanmeldung Wohnsitz Umzug Ummeldung Meldebescheinigung Personalausweis""".split()

FIRST_PARTS = """Bürger Melde Bau Rats Gewerbe Personal Finanz Haushalts Sitzungs Dokumenten Daten
Online Service Verwaltungs Fach Stadt Kreis Wahl Steuer Schul Kita Sozial Jugend Ordnungs
Straßen Grünflächen Friedhofs Abfall Wasser Gebühren Antrags Zahlungs Post Termin Ausweis Pass
Geo Informations Kommunikations Sicherheits Schnittstellen Vergabe Vertrags Lizenz Projekt
Prozess Qualitäts Nutzer Zugangs Identitäts Rechnungs Archiv Wohngeld Eltern Familien Pflege
Gesundheits Umwelt Klima Verkehrs Energie Feuerwehr Standes Einwohner Kassen Beschaffungs""".split()

SECOND_PARTS = """service amt portal system verfahren software akte register antrag bescheid konto
management stelle leitung plan konzept strategie verwaltung dienst daten modul schnittstelle
prüfung gebühr termin wesen büro team rat ordnung beitrag zentrum netz lösung anbindung formular
prozess bericht vorlage sitzung kasse bogen nachweis einführung umstellung betrieb""".split()

VERBS = """eingeführt umgestellt beschlossen genutzt nutzt bietet ermöglicht vereinfacht
beschleunigt prüft entwickelt betreibt beantragt bearbeitet digitalisiert migriert abgelöst
getestet geschult angebunden vergeben ausgeschrieben verbessert reduziert spart benötigt
empfiehlt zeigt organisiert dokumentiert abgestimmt vereinbart umgesetzt gestartet geplant
beschafft ausgewählt bewertet verglichen eingerichtet übernommen gemeldet bestätigt gewährleistet
unterstützt verknüpft automatisiert archiviert signiert bezahlt übermittelt erhalten""".split()

ADJECTIVES = """digital elektronisch kommunal öffentlich zentral einheitlich schnell einfach sicher
neu alt gemeinsam interkommunal rechtssicher barrierefrei medienbruchfrei wirtschaftlich
erfolgreich modern aufwendig günstig teuer mobil offen transparent verbindlich zuständig
zufrieden geeignet verfügbar flexibel kostenlos papierlos vollständig regional landesweit""".split()

ENDINGS = ["", "e", "en", "er", "es"]


def _plural(noun: str) -> str:
    if noun.endswith(("ung", "heit", "keit", "ion", "tät")):
        return noun + "en"
    if noun.endswith("e"):
        return noun + "n"
    if noun.endswith(("a", "o", "i")):
        return noun + "s"
    return noun + "e"


def _vocabulary(rng: random.Random) -> list[str]:
    """Most frequent first: base words, then two-part, then three-part compounds.

    Real German text of a few million words has tens of thousands of distinct words, most
    of them compounds; three-part compounds ("Bürgerserviceportal") supply that long tail."""
    adjectives = [a + e for a in ADJECTIVES for e in ENDINGS]
    plurals = [_plural(n) for n in NOUNS if not n.endswith(("er", "el", "en"))]
    base = NOUNS + VERBS + adjectives + plurals
    two = [a + b for a, b in itertools.product(FIRST_PARTS, SECOND_PARTS)]
    three = [a + b.lower() + c for a, b, c in itertools.product(FIRST_PARTS, FIRST_PARTS, SECOND_PARTS)
             if a != b]
    for group in (base, two):
        rng.shuffle(group)
    return base + two + rng.sample(three, 40_000)


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    summary: str
    body: str
    kind: str
    tags: list[str]


KINDS = ["best_practice", "guide", "lessons_learned", "procurement", "strategy"]
TAGS = ["ozg", "efa", "e-akte", "ris", "cloud", "open-source", "datenschutz", "vergabe",
        "interkommunal", "bürgerservice", "finanzen", "schule", "personal", "geodaten"]


class Generator:
    """Deterministic: the same seed gives the same corpus and queries on every machine."""

    def __init__(self, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.content = _vocabulary(self.rng)
        # Zipf weights: rank r gets 1/r; function words are mixed in separately.
        weights = [1.0 / (rank + 1) for rank in range(len(self.content))]
        self.cum = list(itertools.accumulate(weights))
        self.function_cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(FUNCTION_WORDS))))

    def words(self, n: int) -> list[str]:
        content = self.rng.choices(self.content, cum_weights=self.cum, k=n)
        glue = self.rng.choices(FUNCTION_WORDS, cum_weights=self.function_cum, k=n)
        flips = self.rng.random
        return [g if flips() < 0.45 else c for c, g in zip(content, glue, strict=True)]

    def sentence(self, n: int) -> str:
        words = self.words(n)
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + "."

    def text(self, n_words: int) -> str:
        sentences, made = [], 0
        while made < n_words:
            size = self.rng.randint(8, 20)
            sentences.append(self.sentence(size))
            made += size
        paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
        return "\n\n".join(paragraphs)

    def doc(self, doc_id: int, n_words: int = 800) -> Doc:
        nouns = self.rng.choices(self.content, cum_weights=self.cum, k=self.rng.randint(3, 6))
        title = " ".join(nouns)
        return Doc(id=doc_id, title=title, summary=self.sentence(self.rng.randint(18, 30)),
                   body=self.text(n_words), kind=self.rng.choice(KINDS),
                   tags=self.rng.sample(TAGS, self.rng.randint(1, 3)))

    def corpus(self, n: int, n_words: int = 800) -> list[Doc]:
        return [self.doc(i + 1, n_words) for i in range(n)]

    def queries(self, n: int) -> list[str]:
        """A realistic mix: single words, pairs, triples, some typed without umlauts."""
        out = []
        for _ in range(n):
            size = self.rng.choice([1, 1, 2, 2, 2, 3])
            words = self.rng.choices(self.content[:8000], cum_weights=self.cum[:8000], k=size)
            query = " ".join(words)
            if self.rng.random() < 0.2:
                query = query.replace("ü", "ue").replace("ä", "ae").replace("ö", "oe")
            out.append(query)
        return out

"""Finding a municipality from what a file says about it: an AGS, "Landeshauptstadt
Stuttgart (BW)", "Muenchen", "Kreis Mettmann", "Halle (Saale)".

Exact keys first (AGS, then the spelling-tolerant name keys of `exchange.text`), with the kind
("Kreis …" vs "Stadt …") and the Land ("(BW)", "Bayern") as filters. A fuzzy step is optional:
publiccode.yml `usedBy` entries only ever become *proposed* usages, so a unique close match is
acceptable there, while the dirty KDN tables only get suggestions. Ambiguity is never resolved
by guessing: the caller gets the candidates to report.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from exchange.text import fold, fold_plain, squash
from hub.models import Municipality, MunicipalityKind

EXACT = "exact"
FUZZY = "fuzzy"
LOOSE = "loose"  # unique only after dropping a qualifier: "Halle" → "Halle (Westf.)" in NRW
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"

STATE_HINTS: dict[str, str] = {
    "sh": "01", "schleswig holstein": "01", "hh": "02", "hamburg": "02", "ni": "03",
    "nds": "03", "niedersachsen": "03", "hb": "04", "bremen": "04", "nw": "05", "nrw": "05",
    "nordrhein westfalen": "05", "he": "06", "hessen": "06", "rp": "07", "rlp": "07",
    "rheinland pfalz": "07", "bw": "08", "baden wuerttemberg": "08", "by": "09", "bayern": "09",
    "sl": "10", "saarland": "10", "be": "11", "berlin": "11", "bb": "12", "brandenburg": "12",
    "mv": "13", "mecklenburg vorpommern": "13", "sn": "14", "sachsen": "14", "st": "15",
    "sachsen anhalt": "15", "th": "16", "thueringen": "16",
}

# Leading words that say what kind of body is meant; folded. Longest first.
KREIS_PREFIXES = ["landkreis", "kreis", "regionalverband", "staedteregion"]
LOCAL_PREFIXES = [
    "freie und hansestadt", "freie hansestadt", "landeshauptstadt", "bundesstadt", "hansestadt",
    "universitaetsstadt", "grosse kreisstadt", "kreisstadt", "kreisfreie stadt", "stadt",
    "gemeinde", "markt", "marktgemeinde", "ortsgemeinde", "stadtverwaltung",
]
# Administrations abroad, common in publiccode.yml usedBy lists: never a German Kommune.
FOREIGN_PREFIXES = ("comune di ", "comune de ", "gemeente ", "city of ", "municipality of ",
                    "town of ", "ville de ", "commune de ", "ayuntamiento de ", "concello de ",
                    "kommune ", "regione ", "provincia ", "citta metropolitana ")


@dataclass
class Match:
    query: str
    status: str
    municipality: Municipality | None = None
    candidates: list[Municipality] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.municipality is not None


def base_name(name: str) -> str:
    """Official names carry a descriptor after a comma ("Kiel, Landeshauptstadt")."""
    return name.split(",")[0].strip()


def _without_brackets(name: str) -> str:
    return re.sub(r"\s*[(\[].*?[)\]]", "", name).strip()


class MunicipalityIndex:
    """In-memory name index over all municipalities (11,000 rows: a few MB, built once per
    import). Dissolved municipalities are indexed too but lose against active ones."""

    def __init__(self, queryset=None) -> None:
        qs = queryset if queryset is not None else Municipality.objects.all()
        self.by_pk: dict[int, Municipality] = {}
        self.by_ags: dict[str, Municipality] = {}
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.by_loose: dict[str, set[int]] = defaultdict(set)  # qualifiers dropped
        for m in qs.select_related("state").only(
                "pk", "ags", "name", "short_name", "kind", "state__code", "state__name",
                "dissolved_on", "parent_id"):
            self.add(m)

    def add(self, m: Municipality) -> None:
        self.by_pk[m.pk] = m
        self.by_ags[m.ags] = m
        names = {m.name, base_name(m.name), m.short_name} - {""}
        for name in names:
            for key in (fold(name), fold_plain(name), squash(name)):
                if key:
                    self.by_key[key].add(m.pk)
            loose = _without_brackets(name)
            if loose != name:
                for key in (fold(loose), fold_plain(loose)):
                    self.by_loose[key].add(m.pk)

    def match(self, text: str, *, fuzzy: bool = False, state: str | None = None) -> Match:
        query = (text or "").strip()
        ags = re.search(r"(?<!\d)(\d{8})(?!\d)", query)
        if ags and ags.group(1) in self.by_ags:
            return Match(query, EXACT, self.by_ags[ags.group(1)])
        if fold(query).startswith(FOREIGN_PREFIXES):
            return Match(query, UNMATCHED)
        for name, kind_hint, state_hint in self._readings(query):
            found = self._narrow(self._lookup(self.by_key, name), kind_hint, state or state_hint)
            if len(found) == 1:
                return Match(query, EXACT, found[0])
            if len(found) > 1:
                return Match(query, AMBIGUOUS, candidates=sorted(found, key=lambda m: m.ags))
        name, kind_hint, state_hint = self._readings(query)[-1]
        state = state or state_hint
        if not name:
            return Match(query, UNMATCHED)
        # "Halle" for "Halle (Westf.)", "Monheim" for "Monheim am Rhein": the name as people
        # write it, unique only without the official qualifier. Callers decide whether that is
        # enough (publiccode: yes, flagged; dirty tables: only with independent evidence).
        loose = self._narrow(self._lookup(self.by_loose, name) + self._prefixed(name), kind_hint, state)
        loose = list({m.pk: m for m in loose}.values())
        if len(loose) == 1:
            return Match(query, LOOSE, loose[0])
        if len(loose) > 1:
            return Match(query, AMBIGUOUS, candidates=sorted(loose, key=lambda m: m.ags))
        if fuzzy:
            return self._fuzzy(query, name, kind_hint, state)
        return Match(query, UNMATCHED, candidates=self.suggest(name, kind_hint, state))

    def _prefixed(self, name: str) -> list[Municipality]:
        prefix = fold(name) + " "
        pks = {pk for key, pks in self.by_key.items() if key.startswith(prefix) for pk in pks}
        return [self.by_pk[pk] for pk in sorted(pks)]

    def _lookup(self, table: dict[str, set[int]], name: str) -> list[Municipality]:
        for key in (fold(name), fold_plain(name)):
            if table.get(key):
                return [self.by_pk[pk] for pk in table[key]]
        return []

    def _readings(self, query: str) -> list[tuple[str, str | None, str | None]]:
        """The name as written ("Rhein-Kreis Neuss"), then without a kind prefix ("Neuss")."""
        name, kind, state = self._clean(query)
        text = query.split(":")[0]
        for inner in re.findall(r"[(\[]([^)\]]*)[)\]]", text):
            if STATE_HINTS.get(fold(inner)):
                text = text.replace(f"({inner})", " ").replace(f"[{inner}]", " ")
        whole = " ".join(text.split())
        readings = [(whole, None, state)] if kind and fold(whole) != fold(name) else []
        return readings + [(name, kind, state)]

    def suggest(self, name: str, kind_hint: str | None = None, state: str | None = None,
                n: int = 3) -> list[Municipality]:
        keys = difflib.get_close_matches(fold(name), list(self.by_key), n=n * 3, cutoff=0.8)
        found: list[Municipality] = []
        for key in keys:
            for m in self._narrow([self.by_pk[pk] for pk in self.by_key[key]], kind_hint, state):
                if m not in found:
                    found.append(m)
        return found[:n]

    def _fuzzy(self, query: str, name: str, kind_hint: str | None, state: str | None) -> Match:
        """A unique close match wins only if it is clearly better than the runner-up."""
        target = fold(name)
        keys = difflib.get_close_matches(target, list(self.by_key), n=8, cutoff=0.88)
        scores: dict[int, float] = {}
        for key in keys:
            ratio = difflib.SequenceMatcher(None, target, key).ratio()
            for m in self._narrow([self.by_pk[pk] for pk in self.by_key[key]], kind_hint, state):
                scores[m.pk] = max(scores.get(m.pk, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] > 0.05):
            return Match(query, FUZZY, self.by_pk[ranked[0][0]])
        if ranked:
            return Match(query, AMBIGUOUS, candidates=[self.by_pk[pk] for pk, _ in ranked])
        return Match(query, UNMATCHED, candidates=self.suggest(name, kind_hint, state))

    @staticmethod
    def _narrow(found: list[Municipality], kind_hint: str | None,
                state: str | None) -> list[Municipality]:
        if state:
            found = [m for m in found if m.ags[:2] == state]
        if kind_hint == "kreis":
            found = [m for m in found if m.kind == MunicipalityKind.KREIS]
        elif kind_hint == "local" or len({m.kind == MunicipalityKind.KREIS for m in found}) > 1:
            # "Mettmann" alone means the town, not the Kreis of the same name.
            found = [m for m in found if m.kind != MunicipalityKind.KREIS]
        active = [m for m in found if m.dissolved_on is None]
        return active or found

    @staticmethod
    def _clean(query: str) -> tuple[str, str | None, str | None]:
        """Strip annotations ("…: Fork unter dem Namen X"), Land hints and kind prefixes."""
        text = query.split(":")[0].strip()
        state: str | None = None
        kept: list[str] = []
        for inner in re.findall(r"[(\[]([^)\]]*)[)\]]", text):
            code = STATE_HINTS.get(fold(inner))
            if code:
                state = code
                text = text.replace(f"({inner})", " ").replace(f"[{inner}]", " ")
            else:
                kept.append(inner)
        parts = [p.strip() for p in text.split(",")]
        if len(parts) > 1 and STATE_HINTS.get(fold(parts[-1])):
            state = STATE_HINTS[fold(parts[-1])]
            parts = parts[:-1]
        text = parts[0] if len(parts) > 1 and _is_descriptor(parts[1]) else ", ".join(parts)
        folded = fold(text)
        kind: str | None = None
        for prefix, hint in [(p, "kreis") for p in KREIS_PREFIXES] + [(p, "local") for p in LOCAL_PREFIXES]:
            if folded.startswith(prefix + " "):
                kind = hint
                words = len(prefix.split())
                text = " ".join(re.split(r"[\s\-]+", text.strip())[words:])
                break
        return " ".join(text.split()), kind, state


def _is_descriptor(part: str) -> bool:
    return fold(part) in {fold(p) for p in LOCAL_PREFIXES} | {"stadt", "gkst", "st"}


def describe(municipalities: list[Municipality]) -> str:
    return ", ".join(f"{m.name} ({m.ags})" for m in municipalities[:5])

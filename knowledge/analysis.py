"""German text analysis for the search index: folding before stemming.

Why folding first: people type "Buerger" (no umlaut keyboard) or "Burger" (dropped the dots)
and expect "Bürger". Whoosh's stock German stemmer alone maps "buerger" to "buerg" and
"bürger" to "burg", so neither variant finds the other. We therefore normalise like Lucene's
GermanNormalizationFilter (ä/ö/ü → a/o/u, ß → ss, the digraphs ae/oe/ue → a/o/u except "ue"
after a vowel or q, so "Feuer" and "Quelle" survive) and only then apply the Snowball German
stemmer. Index and queries use the same chain, so "Bürger", "Buerger" and "Burger" all become
the stem "burg".

Kept free of Django imports: the analyzer is pickled into the index's schema and must be
importable wherever the index is opened (the benchmark included).
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Filter, RegexTokenizer, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language

_STEM = stemmer_for_language("de")

# states of the normalisation automaton (after a consonant / a vowel / an umlaut candidate)
_N, _V, _U = 0, 1, 2
_DIRECT = {"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "œ": "oe"}


def fold(word: str) -> str:
    """Lower-case German word → umlaut- and ß-free spelling ("Bürger" → "burger",
    "Buerger" → "burger", "Straße" → "strasse", "Feuer" stays "feuer")."""
    out: list[str] = []
    state = _N
    for ch in word.lower():
        if ch in "ao":
            state = _U
        elif ch == "u":
            state = _U if state == _N else _V
        elif ch == "e":
            if state == _U:
                state = _V
                continue  # the "e" of ae/oe/ue is the umlaut: drop it
            state = _V
        elif ch in "iqy":
            state = _V
        elif ch in _DIRECT:
            out.append(_DIRECT[ch])
            state = _N if ch == "ß" else _V
            continue
        else:
            state = _N
        out.append(ch)
    return "".join(out)


STOPWORDS = frozenset(fold(w) for w in stopwords_for_language("de"))

_cache: dict[str, str] = {}
_CACHE_LIMIT = 300_000


def normalise(word: str) -> str:
    """fold + stem, memoised: a corpus has far fewer distinct words than tokens."""
    hit = _cache.get(word)
    if hit is None:
        folded = fold(word)
        hit = "" if folded in STOPWORDS else _STEM(folded)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[word] = hit
    return hit


def fold_only(word: str) -> str:
    """For the spelling field: folded but not stemmed, so suggestions stay real words."""
    return fold(word)


class GermanFilter(Filter):
    """Lower-case, drop stop words, fold umlauts/ß/digraphs, then stem (one pass, cached)."""

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        cache = _cache
        for t in tokens:
            text = t.text
            stem = cache.get(text)
            if stem is None:
                stem = normalise(text)
            if not stem:
                if t.removestops:
                    continue
                t.stopped = True
                yield t
                continue
            t.text = stem
            yield t


class LowerFilter(Filter):
    """Lower-case only: the spelling field keeps real (umlauted) words for suggestions."""

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text.lower()
            if len(text) < 3 or fold(text) in STOPWORDS or text.isdigit():
                continue
            t.text = text
            yield t


# Words, numbers and keys like 99001001000000; hyphenated compounds split at the hyphen.
WORD_PATTERN = r"\w+"


def german_analyzer():
    """The analyzer of every German text field (title, summary, body, names)."""
    return RegexTokenizer(WORD_PATTERN) | GermanFilter()


def spelling_analyzer():
    """Unstemmed, lower-cased words for "did you mean" suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowerFilter()

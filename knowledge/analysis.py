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

import re
from collections.abc import Iterator

from whoosh.analysis import Analyzer, Filter, RegexTokenizer, Token
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


def analysis_cache() -> dict[str, str]:
    """word → stem ("" for stop words) as filled by `normalise`; read-only for callers."""
    return _cache


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


_spell_cache: dict[str, str] = {}


def spelling_form(word: str) -> str:
    """Lower-cased real word for suggestions; "" for stop words, numbers and short words."""
    hit = _spell_cache.get(word)
    if hit is None:
        text = word.lower()
        hit = "" if len(text) < 3 or text.isdigit() or fold(text) in STOPWORDS else text
        if len(_spell_cache) >= _CACHE_LIMIT:
            _spell_cache.clear()
        _spell_cache[word] = hit
    return hit


class LowerFilter(Filter):
    """Lower-case only: the spelling field keeps real (umlauted) words for suggestions."""

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        cache = _spell_cache
        for t in tokens:
            text = cache.get(t.text)
            if text is None:
                text = spelling_form(t.text)
            if text:
                t.text = text
                yield t


# Words, numbers and keys like 99001001000000; hyphenated compounds split at the hyphen.
WORD_PATTERN = r"\w+"
WORD = re.compile(WORD_PATTERN)

# One indexed text per document, in sections: title, summary, names (tags, aliases, linked
# entities), body. A token's boost becomes its weight in the posting, so BM25 sees a title
# word as four body words: field boosts without a field per section (one posting list per
# term is what keeps queries fast).
SECTION_SEPARATOR = "\x1e"
SECTION_BOOSTS = (4.0, 2.0, 2.0, 1.0)
_SECTION_GAP = 100  # positions between sections, so phrases never span two of them


def join_sections(*sections: str) -> str:
    return SECTION_SEPARATOR.join(s.replace(SECTION_SEPARATOR, " ") for s in sections)


class SectionAnalyzer(Analyzer):
    """Tokenise, boost by section, fold and stem in one loop.

    The same result as a tokenizer piped into GermanFilter, without a generator per stage:
    analysis is most of the cost of building the index."""

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        cache = _cache
        pos, offset = start_pos, start_char
        last = len(SECTION_BOOSTS) - 1
        for i, section in enumerate(value.split(SECTION_SEPARATOR)):
            t.boost = SECTION_BOOSTS[min(i, last)]
            for match in WORD.finditer(section):
                word = match.group(0)
                stem = cache.get(word)
                if stem is None:
                    stem = normalise(word)
                if stem:
                    t.text, t.stopped = stem, False
                elif removestops:
                    pos += 1
                    continue
                else:
                    t.text, t.stopped = word, True
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = offset + match.start()
                    t.endchar = offset + match.end()
                pos += 1
                yield t
            pos += _SECTION_GAP
            offset += len(section) + 1


def section_analyzer() -> SectionAnalyzer:
    """The analyzer of the one full-text field: boosted sections, German folding, stems."""
    return SectionAnalyzer()


def german_analyzer():
    """The analyzer of every German text field (title, summary, body, names)."""
    return RegexTokenizer(WORD_PATTERN) | GermanFilter()


def spelling_analyzer():
    """Unstemmed, lower-cased words for "did you mean" suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowerFilter()

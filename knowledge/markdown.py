"""Markdown → safe HTML, table of contents and internal links, in one pass.

Why sanitise after rendering: Markdown passes raw HTML through, and authors paste from
anywhere. Whatever the body contains, the stored HTML goes through nh3 (ammonia) with an
allow-list: no script, no event handlers, no `javascript:` URLs, no inline styles.

Internal links `[[software:sessionnet]]`, `[[municipality:05117000]]`,
`[[service:99123012104000]]`, `[[article:slug]]` (also `organization:` and `collaboration:`,
with an optional label after `|`) become links to the entity and are returned as mentions;
links that resolve to nothing are returned as broken links for the author to fix.
Links inside code spans and code blocks are left alone.
"""

from __future__ import annotations

import functools
import html as htmllib
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.db.models import Model
from django.urls import NoReverseMatch, get_resolver, get_urlconf, reverse
from django.utils.translation import gettext as _
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor

from hub import errors

LINK_RE = r"\[\[([a-z]+):([^\]|\s]+)(?:\|([^\]\n]{1,200}))?\]\]"
_LINK = re.compile(LINK_RE)

# kind → (URL name the web UI may define, its kwarg, fallback path)
_URLS: dict[str, tuple[str, str, str]] = {
    "municipality": ("municipality_detail", "ags", "/kommunen/{key}/"),
    "software": ("software_detail", "slug", "/software/{key}/"),
    "service": ("service_detail", "key", "/leistungen/{key}/"),
    "article": ("article_detail", "slug", "/wissen/{key}/"),
    "organization": ("organization_detail", "slug", "/organisationen/{key}/"),
    "collaboration": ("collaboration_detail", "slug", "/kooperationen/{key}/"),
}
LINK_KINDS = tuple(_URLS)

NOT_FOUND = "not_found"
UNKNOWN_KIND = "unknown_kind"


def entity_url(kind: str, key: str, pk: int | None = None) -> str:
    """The page of an entity: the UI's named route when it exists (by natural key, or by
    primary key where the UI routes that way, e.g. services), else the documented path."""
    name, kwarg, fallback = _URLS[kind]
    if _has_route(name, get_urlconf() or settings.ROOT_URLCONF):
        for kwargs in ({kwarg: key}, {"pk": pk}):
            if None in kwargs.values():
                continue
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
    return fallback.format(key=key)


@functools.lru_cache(maxsize=64)
def _has_route(name: str, urlconf: str | None) -> bool:
    """Whether the URL conf names this route (asked once: a failing reverse() is slow)."""
    return name in get_resolver(urlconf).reverse_dict


@dataclass(frozen=True)
class Mention:
    kind: str
    key: str
    target: Model


@dataclass
class Rendered:
    html: str
    toc: list[dict]
    text: str
    mentions: list[Mention] = field(default_factory=list)
    broken: list[dict] = field(default_factory=list)


def broken_link_message(item: dict) -> str:
    """Human text for one broken link (German source, translated)."""
    if item.get("reason") == UNKNOWN_KIND:
        return _("Unbekannte Verweisart „%(kind)s“ in %(link)s; erlaubt: %(kinds)s.") % {
            "kind": item["kind"], "link": item["link"], "kinds": ", ".join(LINK_KINDS)}
    return _("Verweis %(link)s: nichts mit dem Schlüssel „%(key)s“ gefunden.") % {
        "link": item["link"], "key": item["key"]}


def find_links(body: str) -> list[tuple[str, str]]:
    """(kind, key) of every internal link written in the body (code included)."""
    return [(m.group(1), m.group(2)) for m in _LINK.finditer(body or "")]


class _Resolver:
    """Looks up every linked key with one query per kind before rendering starts."""

    def __init__(self, body: str) -> None:
        wanted: dict[str, set[str]] = {}
        for kind, key in find_links(body):
            wanted.setdefault(kind, set()).add(key)
        self.found: dict[tuple[str, str], tuple[Model, str, str]] = {}
        for kind, keys in wanted.items():
            if kind in _LOOKUPS:
                for key, obj, label, url in _LOOKUPS[kind](keys):
                    self.found[(kind, key)] = (obj, label, url)
        self.mentions: dict[tuple[str, str], Mention] = {}
        self.broken: dict[str, dict] = {}

    def resolve(self, kind: str, key: str, raw: str) -> tuple[str, str] | None:
        hit = self.found.get((kind, key))
        if hit is None:
            reason = NOT_FOUND if kind in _LOOKUPS else UNKNOWN_KIND
            self.broken.setdefault(raw, {"link": raw, "kind": kind, "key": key,
                                         "reason": reason, "code": errors.BROKEN_LINK})
            return None
        obj, label, url = hit
        self.mentions.setdefault((kind, key), Mention(kind, key, obj))
        return label, url


class _LinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, resolver: _Resolver) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    def handleMatch(self, m: re.Match, data: str) -> tuple[etree.Element, int, int]:  # noqa: N802
        kind, key, label = m.group(1), m.group(2), m.group(3)
        hit = self.resolver.resolve(kind, key, m.group(0))
        if hit is None:
            el = etree.Element("span")
            el.set("class", "broken-link")
            el.text = label or f"{kind}:{key}"
        else:
            el = etree.Element("a")
            el.set("href", hit[1])
            el.set("class", f"entity-link entity-{kind}")
            el.text = label or hit[0]
        return el, m.start(0), m.end(0)


class _LinkExtension(Extension):
    def __init__(self, resolver: _Resolver) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After code spans (190) and escapes (180), before reference links (170).
        md.inlinePatterns.register(_LinkProcessor(LINK_RE, self.resolver), "kommunalhub_link", 175)


ADMONITIONS = {"note", "warning", "tip", "important", "danger", "hint", "caution", "attention",
               "error", "info", "success", "question", "example"}
CODE_LANGUAGES = {"python", "bash", "sh", "shell", "json", "yaml", "yml", "xml", "sql", "html",
                  "css", "javascript", "js", "text", "ini", "toml", "markdown", "md", "csv"}

_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del",
         "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody",
         "tr", "th", "td", "div", "span", "sup", "sub", "img", "abbr", "dl", "dt", "dd", "kbd"}
_HEADING_ATTRS = {f"h{i}": {"id"} for i in range(1, 7)}
_ATTRIBUTES = {"a": {"href", "title", "id"}, "img": {"src", "alt", "title"},
               "th": {"align"}, "td": {"align"}, "li": {"id"}, "sup": {"id"},
               "abbr": {"title"}, "ol": {"start"}, **_HEADING_ATTRS}
_CLASSES = {
    "div": ADMONITIONS | {"admonition", "footnote", "toc"},
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref", "entity-link"} | {f"entity-{k}" for k in LINK_KINDS},
    "span": {"broken-link"},
    "code": {f"language-{lang}" for lang in CODE_LANGUAGES},
}


def sanitise(raw_html: str) -> str:
    """The allow-list every stored or displayed article HTML passes through."""
    return nh3.clean(raw_html, tags=_TAGS, attributes=_ATTRIBUTES, allowed_classes=_CLASSES,
                     url_schemes={"http", "https", "mailto"},
                     clean_content_tags={"script", "style", "iframe", "object", "embed",
                                         "template", "noscript", "svg", "math"},
                     link_rel="noopener noreferrer nofollow")


_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")


def html_to_text(safe_html: str) -> str:
    """Plain text of sanitised HTML, for the search index and highlighting."""
    text = htmllib.unescape(_TAG_RE.sub(" ", safe_html))
    return "\n".join(line.strip() for line in _SPACE_RE.sub(" ", text).splitlines() if line.strip())


def render(body: str) -> Rendered:
    """Render an article body: sanitised HTML, TOC tokens, plain text, mentions, broken links."""
    resolver = _Resolver(body)
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "toc", "footnotes", "admonition", "sane_lists",
                    _LinkExtension(resolver)],
        extension_configs={
            "toc": {"slugify": slugify_unicode, "permalink": False},
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TITLE": _("Zurück zu Fußnote %d im Text")},
        },
        output_format="html",
    )
    safe = sanitise(md.convert(body or ""))
    return Rendered(html=safe, toc=_clean_toc(getattr(md, "toc_tokens", [])),
                    text=html_to_text(safe), mentions=list(resolver.mentions.values()),
                    broken=list(resolver.broken.values()))


def _clean_toc(tokens: Iterable[dict[str, Any]]) -> list[dict]:
    """TOC tokens with plain-text names (the UI escapes them) and only what it needs."""
    return [{"level": t["level"], "id": t["id"], "name": htmllib.unescape(_TAG_RE.sub("", t["name"])),
             "children": _clean_toc(t.get("children", []))} for t in tokens]


# --- lookups: (keys) -> [(key, object, label, url)] -----------------------------------------

def _municipalities(keys: set[str]):
    from hub.models import Municipality

    for m in Municipality.objects.filter(ags__in=keys):
        yield m.ags, m, m.display_name, entity_url("municipality", m.ags, m.pk)


def _software(keys: set[str]):
    from hub.models import Software

    for s in Software.objects.filter(slug__in=keys):
        yield s.slug, s, s.name, entity_url("software", s.slug, s.pk)


def _services(keys: set[str]):
    from hub.models import Service, ServiceKind

    leika = {k for k in keys if len(k) == 14}
    ozg = {k for k in keys if len(k) == 5}
    for s in Service.objects.filter(leika_key__in=leika):
        yield s.leika_key, s, s.name, entity_url("service", s.leika_key, s.pk)
    for s in Service.objects.filter(ozg_id__in=ozg, kind=ServiceKind.OZG):
        yield s.ozg_id, s, s.name, entity_url("service", s.ozg_id, s.pk)


def _articles(keys: set[str]):
    from knowledge.models import Article, ArticleStatus, ArticleVisibility

    for a in Article.objects.filter(slug__in=keys):
        # The title of a draft or restricted article must not leak through a public link.
        public = a.status == ArticleStatus.PUBLISHED and a.visibility == ArticleVisibility.PUBLIC
        yield a.slug, a, a.title if public else a.slug, entity_url("article", a.slug, a.pk)


def _organizations(keys: set[str]):
    from hub.models import Organization

    for o in Organization.objects.filter(slug__in=keys):
        yield o.slug, o, o.name, entity_url("organization", o.slug, o.pk)


def _collaborations(keys: set[str]):
    from hub.models import Collaboration, Visibility

    for c in Collaboration.objects.filter(slug__in=keys):
        label = c.title if c.visibility == Visibility.PUBLIC else c.slug
        yield c.slug, c, label, entity_url("collaboration", c.slug, c.pk)


_LOOKUPS = {"municipality": _municipalities, "software": _software, "service": _services,
            "article": _articles, "organization": _organizations,
            "collaboration": _collaborations}

"""Rendering: Markdown features, sanitising against known XSS payloads, internal links."""

import re
from html.parser import HTMLParser

import pytest

from knowledge import markdown

# Known payloads (OWASP XSS filter evasion cheat sheet, PortSwigger cheat sheet, Markdown
# specific ones). Each must come out without script, event handlers or javascript: URLs.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<iframe src=javascript:alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">klick</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">klick</a>",
    "<a href=\"&#106;avascript:alert(1)\">klick</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">klick</a>",
    "<a href=\"vbscript:msgbox(1)\">klick</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">x</p>",
    "<details open ontoggle=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<style>@import 'javascript:alert(1)';</style>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<!--<script>alert(1)</script>-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](javascript&#58;alert(1))",
    "[klick](  javascript:alert(1)  )",
    "![bild](javascript:alert(1))",
    "![bild\" onerror=\"alert(1)](x.png)",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[a](<javascript:alert(1)>)",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "!!! note \"<img src=x onerror=alert(1)>\"\n    Inhalt",
    "Fußnote[^1]\n\n[^1]: <script>alert(1)</script>",
    "# Titel <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <b onmouseover=alert(1)>x</b> |",
    "[[software:x\" onmouseover=\"alert(1)]]",
    "[[article:<script>alert(1)</script>]]",
    "[[software:sessionnet|<img src=x onerror=alert(1)>]]",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "style", "form", "input",
                  "meta", "base", "link", "math", "video", "source", "details", "body", "button"}


class _Elements(HTMLParser):
    """What a browser would build: every element with its (decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def _scheme(url: str) -> str:
    """The scheme a browser would see: the WHATWG URL parser trims C0 controls and spaces
    at both ends and removes tabs and newlines anywhere."""
    cleaned = url.strip("".join(chr(c) for c in range(33))).lower()
    cleaned = re.sub(r"[\t\n\r]", "", cleaned)
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitises_known_xss_payload(db, payload):
    html = markdown.render(payload).html
    for tag, attrs in _elements(html):
        assert tag not in FORBIDDEN_TAGS, html
        assert not [name for name in attrs if name.startswith("on")], html
        assert "style" not in attrs, html
        for name in ("href", "src", "action", "background", "data"):
            if name in attrs:
                assert _scheme(attrs[name]) in {"", "http", "https", "mailto"}, html


def test_renders_tables_code_toc_footnotes_admonitions(db):
    body = (
        "[TOC]\n\n# Ausgangslage\n\n## Umstieg auf das Ratsinformationssystem\n\n"
        "| Jahr | Schritt |\n|:-----|--------:|\n| 2023 | Ausschreibung |\n\n"
        "```python\nprint('hallo')\n```\n\n"
        "Ein Satz mit Fußnote.[^quelle]\n\n[^quelle]: Beschluss des Rates vom 1. März.\n\n"
        "!!! warning \"Achtung\"\n    Fristen der Vergabe beachten.\n"
    )
    rendered = markdown.render(body)
    html = rendered.html
    assert '<h1 id="ausgangslage">Ausgangslage</h1>' in html
    assert 'id="umstieg-auf-das-ratsinformationssystem"' in html
    assert '<th align="left">Jahr</th>' in html
    assert '<code class="language-python">' in html
    assert 'class="footnote"' in html and 'href="#fn:quelle"' in html
    assert 'class="admonition warning"' in html and "Fristen der Vergabe" in html
    assert '<div class="toc">' in html and 'href="#ausgangslage"' in html
    assert rendered.toc[0]["name"] == "Ausgangslage"
    assert rendered.toc[0]["children"][0]["id"] == "umstieg-auf-das-ratsinformationssystem"


def test_internal_links_render_and_record_mentions(linked, world):
    body = ("Wir nutzen [[software:sessionnet]] wie [[municipality:05117000|die Stadt Mülheim]]; "
            "Antrag: [[service:99107023017000]], OZG [[service:10092]], "
            "Projekt [[collaboration:ris-umstieg-mettmann]].")
    rendered = markdown.render(body)
    assert ('<a class="entity-link entity-software" href="/software/sessionnet/"'
            in rendered.html)
    assert ">SessionNet</a>" in rendered.html
    assert ">die Stadt Mülheim</a>" in rendered.html
    assert f'href="/leistungen/{linked.wohngeld.pk}/"' in rendered.html  # the UI routes by pk
    assert 'href="/kommunen/05117000/"' in rendered.html
    kinds = {(m.kind, m.key): m.target for m in rendered.mentions}
    assert kinds[("software", "sessionnet")] == linked.sessionnet
    assert kinds[("municipality", "05117000")] == world.other
    assert kinds[("service", "99107023017000")] == linked.wohngeld
    assert kinds[("service", "10092")] == linked.ozg_wohngeld
    assert kinds[("collaboration", "ris-umstieg-mettmann")] == linked.collaboration
    assert rendered.broken == []


def test_broken_links_are_listed_not_linked(linked):
    rendered = markdown.render("Siehe [[software:gibtesnicht]] und [[rathaus:xyz]] und "
                               "[[software:gibtesnicht]].")
    assert [(b["kind"], b["key"], b["reason"]) for b in rendered.broken] == [
        ("software", "gibtesnicht", markdown.NOT_FOUND), ("rathaus", "xyz", markdown.UNKNOWN_KIND)]
    assert all(b["code"] == "BROKEN_LINK" for b in rendered.broken)
    assert '<span class="broken-link">software:gibtesnicht</span>' in rendered.html
    assert "gibtesnicht" in markdown.broken_link_message(rendered.broken[0])
    assert rendered.mentions == []


def test_links_inside_code_are_left_alone(linked):
    rendered = markdown.render("`[[software:sessionnet]]`\n\n```\n[[software:allris]]\n```")
    assert rendered.mentions == [] and rendered.broken == []
    assert "[[software:sessionnet]]" in rendered.html


def test_link_to_unpublished_article_does_not_leak_its_title(db, moderator):
    from knowledge import services

    services.article_create(actor=moderator, title="Geheimer Entwurf zur Vergabe",
                            slug="geheim")
    html = markdown.render("Siehe [[article:geheim]].").html
    assert "Geheimer Entwurf" not in html and ">geheim</a>" in html


def test_plain_text_for_the_index(db):
    text = markdown.render("# Bürgerbüro\n\nDie *E-Akte* &amp; <b>mehr</b>").text
    assert text.splitlines() == ["Bürgerbüro", "Die E-Akte & mehr"]


def test_links_follow_the_ui_routes_when_it_names_them(settings):
    settings.ROOT_URLCONF = "tests.knowledge.urls_with_routes"
    assert markdown.entity_url("software", "sessionnet") == "/produkte/sessionnet/"
    assert markdown.entity_url("service", "99107023017000", pk=7) == "/dienste/7/"
    assert markdown.entity_url("article", "wohngeld", pk=3) == "/wissen/wohngeld/"  # no route

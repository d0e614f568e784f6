"""Template filters of the web interface.

`markdown` renders the Markdown descriptions of products, organisations and collaborations,
sanitised with nh3. Stopgap until knowledge.markdown lands on main: the second UI pass
switches this filter to knowledge.markdown.render (entity links, one sanitiser policy)."""

import markdown as md
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S308

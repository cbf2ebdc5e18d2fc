"""The text a reader meets on a page, for the tests that no word is left untranslated."""

import re
from html.parser import HTMLParser

LATIN = re.compile(r"[A-Za-z]{2,}")


class VisibleText(HTMLParser):
    """The text a reader meets: text nodes and the attributes read aloud, outside
    script and style, outside elements in another language (lang="en-gb") and
    outside <code> (identifiers, fingerprints and commands, the same in every
    language)."""

    VOID = {"meta", "link", "input", "br", "img", "hr"}
    READ = ("aria-label", "title", "alt", "placeholder")
    MACHINE = ("script", "style", "code")

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") or ""
        foreign = tag != "html" and bool(lang) and not lang.startswith("zh")
        hidden = foreign or tag in self.MACHINE
        if tag not in self.VOID:
            self.stack.append((tag, hidden))
        if not self._hidden() and not hidden:
            self.texts += [attrs[a] for a in self.READ if attrs.get(a)]

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [t.strip() for t in parser.texts]


def untranslated(html: str) -> list[str]:
    """The texts of the page holding a run of Latin letters."""
    return [t for t in visible_texts(html) if LATIN.search(t)]

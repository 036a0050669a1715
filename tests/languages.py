"""Find UI text in the wrong language on a rendered page: Vietnamese on English pages and back.

A page is read with the standard library's HTML parser. Text inside an element marked
`lang="vi"` (or `lang="en"` on a Vietnamese page) is the other language on purpose (a producer's
Vietnamese name where no English one was entered, the language switch) and is skipped, as are
scripts, styles and strings the caller names as data (product and producer names, addresses).
What is left is the UI. Vietnamese is recognised by its letters (ă â đ ê ô ơ ư and the five tone
marks): a word carrying them is Vietnamese unless it is capitalised and part of a proper name of
two or more such words ("Thái Nguyên", "Tân Cương"); English by a short list of words no
Vietnamese sentence contains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

# Letters only Vietnamese uses among the languages we serve: the base letters and every vowel
# with a tone mark. NFC keeps each as one code point.
VI_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
VI_LETTERS |= {c.upper() for c in VI_LETTERS}
# Vietnamese UI words written without any diacritic that are not English words.
VI_PLAIN_WORDS = {"xem", "theo", "trong", "khi", "cho", "xin", "giao", "nhung"}
# English words that never occur in Vietnamese UI text (WTForms' and Flask-WTF's messages are
# built from these). "to" and "an" are left out: they are also common Vietnamese syllables.
EN_WORDS = {
    "this",
    "field",
    "is",
    "required",
    "invalid",
    "please",
    "must",
    "your",
    "and",
    "of",
    "not",
    "with",
    "token",
    "characters",
    "enter",
    "missing",
    "expired",
    "between",
    "least",
    "address",
    "value",
    "choice",
    "number",
    "password",
    "sign",
    "cart",
    "search",
    "products",
    "order",
    "orders",
    "the",
    "you",
    "are",
    "be",
}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
PHRASE = re.compile(r"[^\W\d_]+(?:\s+[^\W\d_]+)*", re.UNICODE)
# Attributes whose text a person reads or hears.
TEXT_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
SKIPPED_ELEMENTS = {"script", "style", "template", "svg"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


@dataclass(frozen=True)
class Finding:
    text: str
    words: tuple[str, ...]
    where: str  # "text", an attribute name, or "title"

    def __str__(self):
        return f"{self.where}: {', '.join(self.words)!s} in {self.text!r}"


class _Collector(HTMLParser):
    """Collect (text, language, where) for every text node and readable attribute."""

    def __init__(self, page_language):
        super().__init__(convert_charrefs=True)
        self.stack = [(None, page_language, False)]  # (tag, lang, skipped)
        self.pieces = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        _, lang, skipped = self.stack[-1]
        lang = (attrs.get("lang") or lang or "").split("-")[0].lower()
        skipped = skipped or tag in SKIPPED_ELEMENTS or "hidden" in attrs and tag != "input"
        if not skipped:
            for name in TEXT_ATTRIBUTES & attrs.keys():
                self.pieces.append((attrs[name] or "", lang, name))
            if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
                self.pieces.append((attrs.get("value") or "", lang, "value"))
            if tag == "meta" and (
                attrs.get("name") in {"description"}
                or attrs.get("property", "").startswith("og:")
                and attrs.get("property") in {"og:title", "og:description"}
            ):
                self.pieces.append(
                    (attrs.get("content") or "", lang, "meta " + (attrs.get("name") or attrs.get("property")))
                )
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, lang, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag):
        # Close back to the matching element; stray end tags are ignored.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        tag, lang, skipped = self.stack[-1]
        if not skipped and data.strip():
            self.pieces.append((data, lang, "title" if tag == "title" else "text"))


def text_pieces(html: str, page_language: str):
    """Yield (text, language, where) for what a reader of the page sees or hears."""
    collector = _Collector(page_language)
    collector.feed(html)
    collector.close()
    return collector.pieces


@lru_cache(maxsize=4)
def _data_patterns(data: tuple[str, ...]):
    """One pattern per data value, longest first, matching whole words only ("C" is not in "Cương")."""
    return [(value, re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")) for value in data]


def _strip_data(text: str, data: tuple[str, ...]) -> str:
    for value, pattern in _data_patterns(data):
        if value in text:
            text = pattern.sub(" ", text)
    return text


def _has_vietnamese(text: str) -> bool:
    return bool(VI_LETTERS.intersection(text)) or any(w.lower() in VI_PLAIN_WORDS for w in _words(text))


URL = re.compile(r"https?://\S+|(?<!\w)/[\w./?=&%-]+")


def _words(text: str):
    return WORD.findall(unicodedata.normalize("NFC", text))


def vietnamese_words(text: str, proper_name_words: frozenset[str]) -> list[str]:
    """The Vietnamese UI words of a text; the words of proper names ("Thái Nguyên") are not.

    A proper name here is two or more neighbouring capitalised words from the list of names, so
    a lone capitalised UI word that happens to be a syllable of some ward ("Lô", "Đơn") still counts.
    """
    found = []
    # Neighbours are words with only white space between them ("Lô 12 · Tân" has none).
    for phrase in PHRASE.findall(unicodedata.normalize("NFC", text)):
        words = phrase.split()

        def named(i):
            return 0 <= i < len(words) and words[i][0].isupper() and words[i] in proper_name_words

        for i, word in enumerate(words):
            if word.lower() in VI_PLAIN_WORDS:
                found.append(word)
            elif VI_LETTERS.intersection(word) and not (named(i) and (named(i - 1) or named(i + 1))):
                found.append(word)
    return found


def vietnamese_in(html: str, *, data=(), proper_name_words=frozenset()) -> list[Finding]:
    """Vietnamese UI words on a page meant to be English."""
    data = _data_tuple(data)
    names = frozenset(proper_name_words) | default_proper_name_words()
    findings = []
    for text, lang, where in text_pieces(html, "en"):
        if lang == "vi" or not _has_vietnamese(text):
            continue
        text = URL.sub(" ", text)
        # Data first, then place names, and the other way round: a name may hold a ward's name
        # ("… của HTX Chè Hảo Đạt, Xã Tân Cương") or a ward's name a stored word ("Xã Chợ Đồn").
        words = min(
            (
                tuple(vietnamese_words(_strip_data(strip_official_place_names(text), data), names)),
                tuple(vietnamese_words(strip_official_place_names(_strip_data(text, data)), names)),
            ),
            key=len,
        )
        if words:
            findings.append(Finding(" ".join(text.split())[:200], words, where))
    return findings


def english_in(html: str, *, data=()) -> list[Finding]:
    """English UI words on a page meant to be Vietnamese."""
    data = _data_tuple(data)
    findings = []
    for text, lang, where in text_pieces(html, "vi"):
        if lang == "en":
            continue
        text = URL.sub(" ", text)
        words = tuple(w for w in _words(_strip_data(text, data)) if w.lower() in EN_WORDS)
        if words:
            findings.append(Finding(" ".join(text.split())[:200], words, where))
    return findings


def _data_tuple(data) -> tuple[str, ...]:
    return tuple(sorted({d.strip() for d in data if d and d.strip()}, key=len, reverse=True))


@lru_cache(maxsize=1)
def default_proper_name_words() -> frozenset[str]:
    """Words of Vietnam's provinces and wards (the official list), and of the country's name."""
    from vietnam_provinces import Province, Ward

    names = {"Việt", "Nam"}
    for unit in [*Province.iter_all(), *Ward.iter_all()]:
        # The unit's type ("Xã", "Phường", "Tỉnh") is a UI word in an English sentence, not a name.
        name = UNIT_TYPE.sub("", unit.name)
        names.update(w for w in _words(name) if w[0].isupper())
    return frozenset(names)


UNIT_TYPE = re.compile(r"^(Thành phố|Tỉnh|Phường|Xã|Đặc khu)\s+")
PLACE = re.compile(r"(Thành phố|Tỉnh|Phường|Xã|Đặc khu)((?:[ \u00a0]+[^\W\d_]+)+)")


@lru_cache(maxsize=1)
def official_place_names() -> frozenset[str]:
    """Every province and ward by its official name ("Xã Tân Cương", "Thành phố Hà Nội")."""
    from vietnam_provinces import Province, Ward

    provinces = [p.name if p.name.startswith("Thành phố") else f"Tỉnh {p.name}" for p in Province.iter_all()]
    return frozenset([*provinces, *(ward.name for ward in Ward.iter_all())])


def strip_official_place_names(text: str) -> str:
    """Blank out official unit names and document numbers: names and identifiers, not UI text."""
    names = official_place_names()

    def longest_name(match):
        kind, words = match.group(1), match.group(2).split()
        for k in range(len(words), 0, -1):
            if f"{kind} {' '.join(words[:k])}" in names:
                return " " + " ".join(words[k:])
        return match.group(0)

    return DOCUMENT_NUMBER.sub(" ", PLACE.sub(longest_name, unicodedata.normalize("NFC", text)))


#: Vietnamese official document numbers keep their Vietnamese letters in any language:
#: "3485/QĐ-UBND", "148/QĐ-TTg" (QĐ = quyết định, decision).
DOCUMENT_NUMBER = re.compile(r"\b\d+/QĐ(?:-[A-ZĐa-z]+)*")


def data_strings(db) -> list[str]:
    """Every text value stored in the database: what people entered, never UI text."""
    from sqlalchemy import String, Text, select

    values = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if columns:
            for row in db.session.execute(select(*columns)):
                values.update(v.strip() for v in row if isinstance(v, str) and v.strip())
    return sorted(values, key=len, reverse=True)

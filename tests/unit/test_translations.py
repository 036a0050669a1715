"""The English catalogue: complete, not fuzzy, placeholders intact, and it compiles.

The Vietnamese source strings are the msgids; translations/en/LC_MESSAGES/messages.po holds the
English. These tests fail on purpose when someone adds a user-facing string without translating
it: run `scripts/i18n.sh update`, fill the new msgstr, then `scripts/i18n.sh compile`.
"""
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Same keywords as scripts/i18n.sh (`-k _l -k lazy_gettext` on top of Babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# %(name)s / %(n)d style, a bare %s / %d, and str.format's {name}; "%%" is a literal percent.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sd]|\{[^{}]*\}")


def load_catalog():
    with PO_PATH.open("rb") as f:
        return read_po(f, locale="en")


def messages():
    """Every real entry of the catalogue (the header, whose msgid is empty, left out)."""
    return [m for m in load_catalog() if m.id]


def forms(message):
    """(msgid, msgstr) pairs: one for a simple entry, one per plural form otherwise."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(singular if i == 0 else plural, s) for i, s in enumerate(strings)]
    return [(message.id, message.string)]


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def test_the_catalogue_has_entries_and_a_plural_rule_for_english():
    catalog = load_catalog()
    assert len(messages()) > 100
    assert catalog.num_plurals == 2


def test_every_entry_has_an_english_translation():
    untranslated = [m.id for m in messages() if not all(s for _, s in forms(m))]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"


def test_plural_entries_have_both_english_forms():
    plural = [m for m in messages() if isinstance(m.id, tuple)]
    short = [m.id for m in plural if not isinstance(m.string, tuple) or len(m.string) != 2]
    assert short == []


def test_no_entry_is_fuzzy():
    assert [m.id for m in messages() if m.fuzzy] == []


def placeholders_match(message, msgid, msgstr):
    if placeholders(msgid) == placeholders(msgstr):
        return True
    # An English singular may spell out "one" instead of repeating the number.
    is_singular = isinstance(message.id, tuple) and msgid == message.id[0]
    return is_singular and set(placeholders(msgstr)) < set(placeholders(msgid))


def test_every_placeholder_of_the_source_is_kept_and_none_is_invented():
    wrong = [(msgid, msgstr) for m in messages() for msgid, msgstr in forms(m)
             if msgstr and not placeholders_match(m, msgid, msgstr)]
    assert wrong == []


def test_babels_own_checks_find_no_format_errors():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in load_catalog().check()]
    assert problems == []


def test_leading_and_trailing_white_space_follows_the_source():
    def edges(text):
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]

    wrong = [msgid for m in messages() for msgid, msgstr in forms(m) if edges(msgid) != edges(msgstr)]
    assert wrong == []


def test_every_string_in_the_source_code_is_in_the_catalogue():
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in messages()}
    missing = sorted(extracted - known)
    assert missing == [], f"run `scripts/i18n.sh update` and translate: {missing[:10]}"


def test_the_catalogue_compiles_and_translates():
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog())
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    assert translations.gettext("Giỏ hàng") == "Cart"
    assert translations.gettext("Truy xuất nguồn gốc") == "Traceability"


@pytest.mark.parametrize(
    ("msgid", "english"),
    [
        ("Văn phòng OCOP", "OCOP office"),
        ("Không đạt", "Not rated (fails)"),
        ("Chủ thể", "Producer"),
        ("Lô", "Lot"),
    ],
)
def test_the_glossary_terms_are_used(msgid, english):
    by_id = {m.id: m.string for m in messages()}
    assert by_id[msgid] == english

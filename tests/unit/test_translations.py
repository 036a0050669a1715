"""The English catalogue: complete, not fuzzy, placeholders intact, and it compiles.

The Vietnamese source strings are the msgids; translations/en/LC_MESSAGES/messages.po holds the
English. These tests fail on purpose when someone adds a user-facing string without translating
it: run `scripts/i18n.sh update`, fill the new msgstr, then `scripts/i18n.sh compile`.
"""

import gettext
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
WTFORMS_PO_PATH = ROOT / "translations" / "vi" / "LC_MESSAGES" / "wtforms.po"
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
    wrong = [
        (msgid, msgstr)
        for m in messages()
        for msgid, msgstr in forms(m)
        if msgstr and not placeholders_match(m, msgid, msgstr)
    ]
    assert wrong == []


def test_babels_own_checks_find_no_format_errors():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in load_catalog().check()]
    assert problems == []


def test_leading_and_trailing_white_space_follows_the_source():
    def edges(text):
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    wrong = [msgid for m in messages() for msgid, msgstr in forms(m) if edges(msgid) != edges(msgstr)]
    assert wrong == []


def extract_with_the_project_tool(tmp_path) -> set[str]:
    """Run `scripts/i18n.sh extract` (the same command `update` runs) and return its msgids."""
    pot = tmp_path / "fresh.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "i18n.sh"), "extract", str(pot)],
        check=True,
        env={**os.environ, "PYBABEL": str(pybabel)},
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extract_with_the_project_tool(tmp_path_factory.mktemp("pot"))


def test_every_string_in_the_source_code_is_in_the_catalogue(extracted):
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in messages()}
    missing = sorted(extracted - known)
    assert missing == [], f"run `scripts/i18n.sh update` and translate: {missing[:10]}"


def test_extraction_reads_every_template_folder_including_underscored_ones(extracted):
    """pybabel's default skipped folders starting with "_" (templates/_macros), silently."""
    assert "Vui lòng sửa các lỗi bên dưới." in extracted  # templates/_macros/forms.html
    assert "Giỏ hàng" in extracted and "Truy xuất nguồn gốc" in extracted


def test_the_catalogue_keeps_no_string_the_code_no_longer_uses(extracted):
    """Stale entries hide real gaps; `scripts/i18n.sh update` marks them obsolete (#~)."""
    stale = sorted({m.id if isinstance(m.id, str) else m.id[0] for m in messages()} - extracted)
    assert stale == [], f"run `scripts/i18n.sh update`: {stale[:10]}"


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


# WTForms and Flask-WTF speak English; translations/vi/LC_MESSAGES/wtforms.po gives their
# messages in Vietnamese (storefront/forms.py loads it). English msgids, Vietnamese msgstr.


def wtforms_catalogue():
    with WTFORMS_PO_PATH.open("rb") as f:
        return read_po(f, locale="vi", domain="wtforms")


def library_messages() -> set[str]:
    """Every message in WTForms' own template, Flask-WTF's file messages and its CSRF reasons."""
    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as f:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    package = Path(flask_wtf.__file__).parent
    csrf = (package / "csrf.py").read_text()
    ids |= set(re.findall(r'(?:ValidationError|_error_response)\(\s*"([^"]+)"', csrf))
    ids |= set(re.findall(r'gettext\(\s*"([^"]+)"', (package / "file.py").read_text()))
    return ids


def test_the_vietnamese_catalogue_covers_every_message_of_wtforms_and_flask_wtf():
    ids = library_messages()
    assert {
        "This field is required.",
        "Invalid email address.",
        "The CSRF token is missing.",
        "The CSRF token has expired.",
        "File does not have an approved extension.",
    } <= ids
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in wtforms_catalogue() if m.id and m.string}
    missing = sorted(ids - translated)
    assert missing == [], f"add to {WTFORMS_PO_PATH.relative_to(ROOT)}: {missing}"


def test_the_vietnamese_form_messages_are_complete_not_fuzzy_and_keep_placeholders():
    catalog = wtforms_catalogue()
    entries = [m for m in catalog if m.id]
    assert catalog.num_plurals == 1
    assert [m.id for m in entries if m.fuzzy] == []
    for m in entries:
        msgid = m.id if isinstance(m.id, str) else m.id[1]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strings), m.id
        assert all(placeholders(s) == placeholders(msgid) for s in strings), (m.id, strings)
    assert [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()] == []


def test_the_vietnamese_form_messages_compile_and_are_vietnamese():
    buffer = io.BytesIO()
    write_mo(buffer, wtforms_catalogue())
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    assert translations.gettext("This field is required.") == "Vui lòng điền trường này."
    message = translations.ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 5
    )
    assert message % {"max": 5} == "Trường này không được dài quá 5 ký tự."

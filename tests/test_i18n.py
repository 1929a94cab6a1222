"""The Dutch catalogue is complete, keeps every placeholder, is compiled, and is what a page shows.

Dutch is the default language and English the second; the source strings are English. The
compiled django.mo is committed so that a fresh machine needs no gettext, so a .po changed without
running `manage.py compilemessages -l nl` must fail here. The same holds for djangojs.po, the
Dutch of Django admin's JavaScript that Django's own catalogue leaves out.
"""

import re
from collections import Counter

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

NL_DIR = settings.BASE_DIR / "locale" / "nl" / "LC_MESSAGES"
PO_PATH = NL_DIR / "django.po"
DOMAINS = ["django", "djangojs"]

# %(name)s and %s (and their d-forms); a literal %% is no placeholder.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def describe(entry) -> str:
    return repr(entry.msgid[:70])


@pytest.fixture(scope="module", params=DOMAINS)
def po(request):
    catalogue = polib.pofile(str(NL_DIR / f"{request.param}.po"))
    catalogue.domain = request.param
    return catalogue


def live(catalogue):
    return [entry for entry in catalogue if not entry.obsolete and entry.msgid]


def translations(catalogue) -> dict:
    """msgctxt, msgid (and msgid_plural) -> the translation(s), for comparing .po with .mo."""
    mapping = {}
    for entry in live(catalogue):
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            mapping[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            mapping[key] = entry.msgstr
    return mapping


def test_the_catalogue_header_is_dutch(po):
    assert po.metadata["Language"] == "nl"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    entries = live(po)
    untranslated = [describe(e) for e in entries if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    assert entries, "the Dutch catalogue is empty"
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_every_translation_keeps_the_placeholders(po):
    wrong = []
    for entry in live(po):
        if entry.msgid_plural:
            # Either form may be chosen for any count, so each must carry the placeholders that
            # the English forms have (a count-only placeholder may be dropped in neither).
            expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            for index, text in sorted(entry.msgstr_plural.items()):
                if placeholders(text) != expected:
                    wrong.append(f"{describe(entry)}[{index}]: {text!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            wrong.append(f"{describe(entry)}: {entry.msgstr!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file(po):
    mo_path = NL_DIR / f"{po.domain}.mo"
    assert mo_path.exists(), "run: manage.py compilemessages -l nl"
    compiled = translations(polib.mofile(str(mo_path)))
    source = translations(po)
    missing = sorted(str(key[1])[:70] for key in source.keys() - compiled.keys())
    extra = sorted(str(key[1])[:70] for key in compiled.keys() - source.keys())
    changed = sorted(
        str(key[1])[:70] for key in source.keys() & compiled.keys() if source[key] != compiled[key]
    )
    hint = " (run: manage.py compilemessages -l nl)"
    assert not missing, f"not in {po.domain}.mo{hint}: {missing}"
    assert not extra, f"only in {po.domain}.mo{hint}: {extra}"
    assert not changed, f"{po.domain}.mo has another translation{hint}: {changed}"


def test_a_page_is_dutch_by_default_and_english_after_switching(db, client):
    po = polib.pofile(str(PO_PATH))
    english = "Log in to Magic Mix"
    entry = po.find(english)
    assert entry is not None, f"{english!r} is not in the Dutch catalogue"
    dutch = entry.msgstr
    assert dutch
    assert dutch != english

    page = client.get(reverse("account_login")).content.decode()
    assert escape(dutch) in page
    assert escape(english) not in page

    switched = client.post(reverse("set_language"), {"language": "en"})
    assert switched.status_code == 302

    page = client.get(reverse("account_login")).content.decode()
    assert escape(english) in page
    assert escape(dutch) not in page

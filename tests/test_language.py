"""Every page of the loaded demo reads in one language: the Dutch pages show none of the English
of our catalogue (nor Django's and allauth's known English), and the English pages none of its
Dutch, nor a Dutch domain word without its English label.

Each role's pages (tests/demo_pages.py) are rendered through the test client in Dutch (the
default) and in English (the language switch's cookie), and their visible text is compared with
the catalogue: a message of 16 characters or more whose translation differs must not show in the
other language. Shorter ones (names of columns, "Status") are too often the same in both.
"""

import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import django
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from .demo_pages import client_for, pages_by_role

MIN_LENGTH = 16
# English that Django or allauth would show where our Dutch is missing.
ENGLISH = ["Select an option", "Are you sure", "Forgot your password", "Remember Me", "Note: "]
# On an English page a resident's role, where a badge names it, carries its English label:
# "Vragend (support-needing)", not the bare Dutch word. (In running text "dragend" is the
# domain's own term in both languages: docs/glossary.md.)
DUTCH_BADGE = re.compile(r'class="badge badge-[dv]ragend">\s*([dv]ragend)\s*<', re.IGNORECASE)

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def dutch_terms() -> re.Pattern:
    """The glossary's Dutch terms that have an English word of their own (docs/glossary.md):
    "woonvereniging", not "dragend", which the English keeps beside its label."""
    from .test_dutch_voice import glossary_rows

    words = []
    for dutch, english, _ruled_out in glossary_rows():
        words += [term for term in dutch if not any(term in e.lower() for e in english)]
    return re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(words, key=len)[::-1])) + r")\b", re.I
    )


# Elements without an end tag: nothing inside them to skip.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or tags. With `prose_in`, only the prose in
    that language: no parts marked as in another language (lang="nl" on an English page), and
    no <code> or <pre> (file values, such as a CSV file's Dutch codes)."""

    def __init__(self, prose_in: str | None = None):
        super().__init__()
        self.parts, self._skip, self._prose_in = [], [], prose_in

    def handle_starttag(self, tag, attrs):
        if self._skip and tag == self._skip[-1][0]:
            self._skip[-1][1] += 1
        lang = dict(attrs).get("lang")
        other = self._prose_in and (
            tag in ("code", "pre") or (lang and tag != "html" and lang != self._prose_in)
        )
        if (tag in ("script", "style") or other) and tag not in VOID:
            self._skip.append([tag, 1])

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1][0]:
            self._skip[-1][1] -= 1
            if not self._skip[-1][1]:
                self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str, prose_in: str | None = None) -> str:
    parser = _Text(prose_in)
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def run(text: str) -> str:
    """The longest run of a message without a placeholder or markup, which stands for it."""
    return max(re.split(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|\{[^}]*\}|\n", text), key=len).strip()


def catalogue() -> list[tuple[str, str]]:
    """(English, Dutch) of every message of our catalogue, placeholders cut away."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/nl/LC_MESSAGES/django.po"))
    pairs = []
    for entry in po.translated_entries():
        for english, dutch in [(entry.msgid, entry.msgstr)] + (
            [(entry.msgid_plural, entry.msgstr_plural.get(1, ""))] if entry.msgid_plural else []
        ):
            english, dutch = run(english), run(dutch)
            if len(english) >= MIN_LENGTH and len(dutch) >= MIN_LENGTH and english != dutch:
                pairs.append((english, dutch))
    return pairs


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}")


def english_pattern(msgid: str) -> re.Pattern | None:
    """How a message shows on a page: its words, with any text where a placeholder stands. None
    for a message too short to tell apart from a Dutch page's names, paths and numbers: under 16
    characters, or under 8 in all between placeholders."""
    if "<" in msgid or "\n" in msgid:
        msgid = run(msgid)
    parts = [part.strip() for part in PLACEHOLDER.split(msgid) if part.strip()]
    if len(parts) == 1 and len(parts[0]) < MIN_LENGTH:
        return None  # a word or two beside a value ("%(count)s candidates") is no sentence
    if sum(len(part) for part in parts) < 8:
        return None
    return re.compile(r"\s*.{1,80}?\s*".join(re.escape(part) for part in parts))


def answered(entry) -> list[tuple[str, str]]:
    """(English, what gettext answers for it in the active language) of a catalogue entry: both
    forms of a plural, with its context if it has one."""
    if entry.msgid_plural:
        return [
            (english, translation.ngettext(entry.msgid, entry.msgid_plural, n))
            for english, n in ((entry.msgid, 1), (entry.msgid_plural, 2))
        ]
    if entry.msgctxt:
        return [(entry.msgid, translation.pgettext(entry.msgctxt, entry.msgid))]
    return [(entry.msgid, translation.gettext(entry.msgid))]


def english_messages() -> list[tuple[re.Pattern, str]]:
    """(How the English shows, the Dutch a page shows for it) of every message of Django, its
    apps, allauth, django-filter and ours. The Dutch is what gettext answers now, with our
    catalogue before theirs, and is the English itself where a message is left untranslated."""
    files = [Path(django.__file__).parent / "conf/locale/nl/LC_MESSAGES/django.po"]
    files += [Path(app.path) / "locale/nl/LC_MESSAGES/django.po" for app in apps.get_app_configs()]
    files += [Path(settings.BASE_DIR) / "locale/nl/LC_MESSAGES/django.po"]
    found = {}
    with translation.override("nl"):
        for path in files:
            if not path.exists():
                continue
            for entry in polib.pofile(str(path)):
                if entry.obsolete or not entry.msgid:
                    continue
                forms = answered(entry)
                for english, dutch in forms:
                    pattern = english_pattern(english)
                    if pattern is not None:
                        found.setdefault(pattern.pattern, (pattern, dutch))
    return list(found.values())


def dutch_leaks(text: str, messages: list[tuple[re.Pattern, str]]) -> list[str]:
    """English of Django, allauth or ours on a Dutch page: a message left untranslated, or one
    whose translation our pages do not use."""
    leaks = []
    for pattern, dutch in messages:
        match = pattern.search(text)
        if match and not pattern.search(dutch):
            leaks.append(match.group(0))
    return leaks


@pytest.mark.django_db
def test_every_page_of_every_role_reads_in_one_language_and_links_only_where_it_may_go():
    call_command("load_demo", stdout=StringIO())
    pairs, messages, terms = catalogue(), english_messages(), dutch_terms()
    users = {u.email: u for u in get_user_model().objects.all()}
    problems, broken = [], []
    pages = pages_by_role(broken)
    # A link a role is shown leads to a page it may open (a read-only colleague is not sent to
    # a form that answers 403).
    assert broken == [], "\n".join(
        f"{r}: {p} answers {s}, linked from {f}" for r, p, s, f in broken
    )
    for email, (_width, paths) in pages.items():
        client = client_for(users, email)
        for language in ("nl", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (email, path, response.status_code)
                html = response.content.decode()
                text = visible_text(html)
                if language == "nl":
                    leaks = dutch_leaks(text, messages)
                    leaks += [fragment for fragment in ENGLISH if fragment in text]
                else:
                    leaks = [nl for _en, nl in pairs if nl in text]
                    leaks += sorted({m.group(1) for m in DUTCH_BADGE.finditer(html)})
                    # The Dutch term in brackets after its English is the domain's own word
                    # ("End-of-term notice (aanzegging)").
                    prose = re.sub(r"\(\w+\)", "", visible_text(html, prose_in="en"))
                    leaks += sorted({m.group(1) for m in terms.finditer(prose)})
                # Dates read as words in running text; ISO dates are for files (in <code>).
                leaks += ISO_DATE.findall(visible_text(html, prose_in=language))
                problems += [f"{language} {email} {path}: {leak!r}" for leak in leaks]
    assert not problems, "\n".join(problems)


# The admin's short English, where Django's Dutch has none, also in the headings only a screen
# reader announces.
ADMIN_ENGLISH = re.compile(
    r'visually-hidden">\s*(?:Search|Pagination) |>\s*Logout\s*<|Filter by |Are you sure you want'
)


def test_the_django_admin_reads_in_dutch(admin_user, client_for, project_a):
    from .factories import ContractFactory, UnitFactory

    contract = ContractFactory(unit=UnitFactory(project=project_a))
    client = client_for(admin_user)
    messages = english_messages()
    pages = [
        reverse("admin:index"),
        reverse("admin:residents_person_changelist") + "?q=a",
        reverse("admin:residents_contract_change", args=[contract.pk]),
        reverse("admin:residents_contract_delete", args=[contract.pk]),
    ]
    problems = []
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        problems += [f"{path}: {leak!r}" for leak in dutch_leaks(visible_text(html), messages)]
        problems += [f"{path}: {english!r}" for english in ADMIN_ENGLISH.findall(html)]
    assert problems == []
    # The calendar and the time-zone note of the date and time fields come from JavaScript.
    script = client.get(reverse("admin:jsi18n")).content.decode()
    assert "Let op: voer tijden in als tijd in" in script
    assert "Vandaag (" in script

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

import polib
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from .demo_pages import pages_by_role
from .logins import log_in

MIN_LENGTH = 16
# English that Django or allauth would show where our Dutch is missing.
ENGLISH = ["Select an option", "Are you sure", "Forgot your password", "Remember Me", "Note: "]
# On an English page a resident's role, where a badge names it, carries its English label:
# "Vragend (support-needing)", not the bare Dutch word. (In running text "dragend" is the
# domain's own term in both languages: docs/glossary.md.)
DUTCH_BADGE = re.compile(r'class="badge badge-[dv]ragend">\s*([dv]ragend)\s*<', re.IGNORECASE)


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or tags."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def catalogue() -> list[tuple[str, str]]:
    """(English, Dutch) of every translated message, placeholders cut away."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/nl/LC_MESSAGES/django.po"))
    pairs = []
    for entry in po.translated_entries():
        for english, dutch in [(entry.msgid, entry.msgstr)] + (
            [(entry.msgid_plural, entry.msgstr_plural.get(1, ""))] if entry.msgid_plural else []
        ):
            # The longest run without a placeholder or markup stands for the message.
            def run(text):
                return max(re.split(r"%\(\w+\)s|%s|<[^>]+>|\{[^}]*\}|\n", text), key=len).strip()

            english, dutch = run(english), run(dutch)
            if len(english) >= MIN_LENGTH and len(dutch) >= MIN_LENGTH and english != dutch:
                pairs.append((english, dutch))
    return pairs


@pytest.mark.django_db
def test_every_page_of_every_role_reads_in_one_language():
    call_command("load_demo", stdout=StringIO())
    pairs = catalogue()
    users = {u.email: u for u in get_user_model().objects.all()}
    problems = []
    for email, (_width, paths) in pages_by_role().items():
        client = log_in(Client(), users[email])
        for language in ("nl", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (email, path, response.status_code)
                html = response.content.decode()
                text = visible_text(html)
                if language == "nl":
                    leaks = [en for en, _nl in pairs if en in text]
                    leaks += [fragment for fragment in ENGLISH if fragment in text]
                else:
                    leaks = [nl for _en, nl in pairs if nl in text]
                    leaks += sorted({m.group(1) for m in DUTCH_BADGE.finditer(html)})
                problems += [f"{language} {email} {path}: {leak!r}" for leak in leaks]
    assert not problems, "\n".join(problems)

"""One Dutch voice: "u", Dutch short dates, labels with a capital and no colon, and Django's and
allauth's strings that show on our pages in our own Dutch (magicmix/catalogue.py)."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation


@pytest.mark.parametrize(
    ("day", "dutch", "english"),
    [
        (dt.date(2026, 12, 3), "3 dec. 2026", "3 Dec. 2026"),
        (dt.date(2026, 5, 31), "31 mei 2026", "31 May 2026"),
        (dt.date(2026, 3, 31), "31 mrt. 2026", "31 March 2026"),
        (dt.date(2026, 9, 1), "1 sep. 2026", "1 Sept. 2026"),
    ],
)
def test_short_dates_are_written_as_in_dutch(day, dutch, english):
    template = Template('{{ day|date:"j N Y" }}')
    with translation.override("nl"):
        assert template.render(Context({"day": day})) == dutch
    with translation.override("en"):
        assert template.render(Context({"day": day})) == english


def test_no_page_template_writes_capitalised_dutch_month_abbreviations():
    """ "j M Y" gives "31 Okt 2026" in Dutch; every page uses "j N Y" ("31 okt. 2026")."""
    from pathlib import Path

    from django.conf import settings

    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
        if 'date:"j M' in path.read_text()
    ]
    assert offenders == []


def test_a_forms_empty_choice_and_radio_buttons_read_dutch(staff_a, client_for):
    page = client_for(staff_a).get(reverse("residents:person_create")).content.decode()
    assert "Select an option" not in page
    assert "- Maak een keuze -" in page
    role_radios = page.split('name="role"')
    assert len(role_radios) == 3  # dragend and vragend, no empty third button


def test_labels_start_with_a_capital_and_carry_no_colon(staff_a, client_for, project_a):
    url = reverse("residents:membership_add", args=[project_a.pk])
    page = client_for(staff_a).get(url).content.decode()
    labels = re.findall(r"<label for=\"id_\w+\">([^<]*)</label>", page)
    assert labels
    assert all(label[0].isupper() and not label.endswith(":") for label in labels), labels


def test_the_login_page_says_forgot_password_once_and_remember_without_colon(db):
    page = Client().get(reverse("account_login")).content.decode()
    assert page.count("Wachtwoord vergeten?") == 1
    assert "Onthouden:" not in page


def test_allauths_messages_say_u(staff_a, client_for):
    client = client_for(staff_a)
    response = client.post(reverse("account_logout"), follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "U bent uitgelogd." in text
    assert "Je " not in text


def test_the_accessibility_statement_is_open_to_all_and_linked_from_every_footer(
    staff_a, client_for
):
    statement = Client().get(reverse("accessibility"))
    assert statement.status_code == 200
    text = statement.content.decode()
    assert "Toegankelijkheidsverklaring" in text
    assert "voldoet gedeeltelijk" in text
    for client, url in [
        (Client(), reverse("account_login")),
        (client_for(staff_a), reverse("residents:person_list")),
    ]:
        assert reverse("accessibility") in client.get(url).content.decode()


def error_links_problems(page: str) -> list[str]:
    """What an error page leaves unlinked: a summary link to no element, an invalid input or a
    group of choices with errors whose description does not name an existing error list."""
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    problems = [f"summary link to #{t}" for t in re.findall(r'href="#([^"]*)"', summary)]
    problems = [p for p in problems if p.split("#", 1)[1] not in ids]
    for tag in re.findall(r"<(?:input|select|textarea)[^>]*aria-invalid[^>]*>", page):
        if 'type="radio"' in tag or 'type="checkbox"' in tag:
            continue  # their group (fieldset) carries the description, checked below
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        if not described or not any(
            d.endswith("_error") and d in ids for d in described[1].split()
        ):
            problems.append(f"not described by its error: {tag}")
    for error_id in re.findall(r'<ul class="errorlist" id="([^"]+)"', page):
        if not re.search(rf'aria-describedby="[^"]*\b{re.escape(error_id)}\b', page):
            problems.append(f"no field names error list #{error_id}")
    return problems


def test_the_error_summary_links_each_error_to_its_field(staff_a, project_a, client_for):
    client = client_for(staff_a)
    data = {"first_name": ""}  # an empty POST would be no form sent at all
    page = client.post(reverse("residents:person_create"), data).content.decode()
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#id_first_name">Voornaam: ' in summary
    assert 'aria-describedby="id_first_name_error"' in page
    # The role is a group of radio buttons: its line in the summary leads to the group, and the
    # group is described by its error.
    assert '<a href="#id_role">Rol: ' in summary
    assert re.search(r'<fieldset class="choices"[^>]*aria-describedby="id_role_error"', page)
    forms = [
        page,
        client.post(reverse("projects:unit_create", args=[project_a.pk]), {"code": ""}),
        client.post(reverse("allocation:vacancy_create"), {"unit": ""}),
        client.post(reverse("allocation:vote_settings", args=[project_a.pk]), {"quorum": "x"}),
    ]
    for form in forms:
        form = form if isinstance(form, str) else form.content.decode()
        assert 'class="error-summary"' in form
        assert error_links_problems(form) == []


JE = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)


def test_the_account_and_two_factor_pages_say_u(staff_a, client_for):
    from .test_language import visible_text

    anonymous, staff = Client(), client_for(staff_a)
    pages = [
        (anonymous, reverse("account_login")),
        (anonymous, reverse("account_reset_password")),
        (anonymous, reverse("account_reset_password_done")),
        (staff, reverse("account_logout")),
        (staff, reverse("mfa_reauthenticate")),
        (staff, reverse("mfa_index")),
        (staff, reverse("mfa_list_webauthn")),
    ]
    found = {}
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        words = JE.findall(visible_text(response.content.decode()))
        if words:
            found[url] = words
    assert found == {}


def glossary_rows() -> list[tuple[list[str], list[str], list[str]]]:
    """docs/glossary.md's table, a row at a time: its Dutch terms, their English, and the words
    its last column rules out (notes in brackets aside)."""
    from pathlib import Path

    from django.conf import settings

    def words(cell):
        return [w.strip() for w in re.sub(r"\([^)]*\)", "", cell).split(",") if w.strip()]

    rows = []
    text = (Path(settings.BASE_DIR) / "docs" / "glossary.md").read_text()
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not line.startswith("| ") or cells[0].startswith(("Dutch", "---")):
            continue
        rows.append((words(cells[0]), [cells[1]], words(cells[2])))
    return rows


def glossary() -> tuple[list[str], list[str]]:
    """The glossary's Dutch terms, and the words it rules out."""
    rows = glossary_rows()
    return [t for row in rows for t in row[0]], [w for row in rows for w in row[2]]


def test_the_dutch_catalogue_uses_the_glossarys_words():
    import polib
    from django.conf import settings

    terms, ruled_out = glossary()
    assert "wooneenheid" in terms  # the table was read
    assert "inlog" in ruled_out
    po = polib.pofile(str(settings.BASE_DIR / "locale/nl/LC_MESSAGES/django.po"))
    found = []
    for entry in po.translated_entries():
        for dutch in [entry.msgstr, *entry.msgstr_plural.values()]:
            text = re.sub(r"%\(\w+\)[sd]|<[^>]+>", " ", dutch)
            for term in sorted(terms, key=len, reverse=True):
                text = re.sub(rf"\b{re.escape(term)}\b", " ", text, flags=re.IGNORECASE)
            for word in ruled_out:
                # "GGZ" is ruled out where "ggz" is the term: there the case tells them apart.
                flags = 0 if word.lower() in terms else re.IGNORECASE
                if re.search(rf"\b{re.escape(word)}\b", text, flags):
                    found.append(f"{word!r} in {dutch[:80]!r}")
    assert found == []


def test_no_message_of_allauth_that_can_show_here_says_je():
    """allauth's Dutch says "je"; each of its messages that our installed parts can show is in
    our catalogue in "u". Left aside: its apps we do not install (third-party logins, its own
    identity provider) and what our settings switch off (sign-up, usernames, phone numbers)."""
    from pathlib import Path

    import allauth
    import polib

    from .test_language import answered

    po = polib.pofile(str(Path(allauth.__file__).parent / "locale/nl/LC_MESSAGES/django.po"))
    unused = ("socialaccount", "idp/")
    off = re.compile(r"sign ?up|username|phone", re.IGNORECASE)
    said = []
    with translation.override("nl"):
        for entry in po:
            where = entry.occurrences[0][0] if entry.occurrences else ""
            if entry.obsolete or any(u in where for u in unused) or off.search(entry.msgid + where):
                continue
            dutch = [answer for _english, answer in answered(entry)]
            said += [f"{entry.msgid[:60]!r}: {d[:60]!r}" for d in dutch if JE.search(d)]
    assert said == [], "\n".join(said)

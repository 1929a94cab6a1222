"""Finding people as staff expect (residents/search.py), on PostgreSQL: names in any order and
with the list's comma, accents and case ignored, the ERP reference, the unit number, the e-mail;
scoped to the user's corporations like every list, with a fixed number of queries."""

import datetime as dt
import sqlite3

import pytest
from django.db import connection
from django.urls import reverse

from residents.models import ContractStatus, EndReason, Outflow
from residents.search import fold, register_sqlite_functions, words

from .factories import ContractFactory, PersonFactory, UnitFactory
from .test_lifecycle_views import english
from .test_query_counts import count_queries


@pytest.fixture
def people(project_a, project_b):
    corp = project_a.corporation
    noor = PersonFactory(
        corporation=corp,
        first_name="Noor",
        last_name="Hofman",
        reference="R-5001",
        email="noor.hofman@mail.example",
        date_of_birth=dt.date(1998, 4, 2),
    )
    other_noor = PersonFactory(
        corporation=corp,
        first_name="Noor",
        last_name="Hofman",
        reference="R-5002",
        date_of_birth=dt.date(1971, 9, 30),
    )
    emre = PersonFactory(corporation=corp, first_name="Emre", last_name="Aydın")
    jonas = PersonFactory(corporation=corp, first_name="Jonas", last_name="Müller")
    ContractFactory(person=noor, unit=UnitFactory(project=project_a, number="L01"))
    # A former tenant of another unit L02 is not found by that unit's number...
    sanne = PersonFactory(corporation=corp, first_name="Sanne", last_name="Bakker")
    ContractFactory(
        person=sanne,
        unit=UnitFactory(project=project_a, number="L02"),
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    # ...and a person of corporation B is never found by A's staff.
    foreign = PersonFactory(
        corporation=project_b.corporation, first_name="Noor", last_name="Hofman", reference="R-9"
    )
    return {
        "noor": noor,
        "other_noor": other_noor,
        "emre": emre,
        "jonas": jonas,
        "sanne": sanne,
        "foreign": foreign,
    }


def found(client, query, **params):
    response = client.get(reverse("residents:person_list"), {"q": query, **params})
    assert response.status_code == 200
    return [person for person, _contract in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("R-5001", ["noor"]),
        ("r-5001", ["noor"]),
        ("L01", ["noor"]),
        ("l01", ["noor"]),
        ("Hofman, Noor", ["noor", "other_noor"]),
        ("noor hofman", ["noor", "other_noor"]),
        ("HOFMAN noor", ["noor", "other_noor"]),
        ("aydin", ["emre"]),
        ("AYDIN emre", ["emre"]),
        ("Aydın", ["emre"]),
        ("muller", ["jonas"]),
        ("Müller", ["jonas"]),
        ("noor.hofman@mail", ["noor"]),
        ("hofman R-5002", ["other_noor"]),
        ("L02", []),  # Sanne left L02 years ago
        ("R-9", []),  # another corporation's reference
    ],
)
def test_staff_find_people_as_in_their_erp(staff_a, client_for, people, query, who):
    result = found(client_for(staff_a), query)
    assert sorted(p.pk for p in result) == sorted(people[name].pk for name in who)


def test_every_word_must_match(staff_a, client_for, people):
    assert found(client_for(staff_a), "Noor Aydın") == []


def test_a_typo_offers_names_that_look_alike(staff_a, client_for, people):
    response = english(client_for(staff_a)).get(reverse("residents:person_list"), {"q": "Hofmann"})
    assert response.context["similar"] is True
    assert {p.pk for p, _ in response.context["rows"]} == {
        people["noor"].pk,
        people["other_noor"].pk,
    }
    assert "these names look alike" in response.content.decode().replace("\n", " ")


def test_two_namesakes_are_told_apart_by_reference_and_year_of_birth(staff_a, client_for, people):
    html = client_for(staff_a).get(reverse("residents:person_list"), {"q": "Noor"}).content
    html = html.decode()
    for shown in ("R-5001", "1998", "R-5002", "1971"):
        assert shown in html


def test_the_header_search_is_on_every_staff_page_and_lands_on_the_list(
    staff_a, client_for, people
):
    client = client_for(staff_a)
    for name in ("home", "residents:project_list", "allocation:vacancy_list"):
        html = client.get(reverse(name)).content.decode()
        assert 'role="search"' in html, name
        assert f'action="{reverse("residents:person_list")}"' in html, name


def test_the_header_search_is_not_shown_to_a_policy_officer(policy_a, client_for):
    assert 'role="search"' not in client_for(policy_a).get(reverse("home")).content.decode()


def test_an_outsider_finds_nobody_and_gets_404_on_the_records(
    outsider, staff_b, client_for, people
):
    assert client_for(outsider).get(reverse("residents:person_list")).status_code == 404
    staff = client_for(staff_b)
    assert [p.pk for p in found(staff, "Hofman")] == [people["foreign"].pk]
    assert found(staff, "R-5001") == []
    assert found(staff, "L01") == []
    noor = reverse("residents:person_detail", args=[people["noor"].pk])
    assert staff.get(noor).status_code == 404


def test_a_read_only_user_searches_too(readonly_a, client_for, people):
    assert [p.pk for p in found(client_for(readonly_a), "R-5001")] == [people["noor"].pk]


def test_search_queries_do_not_grow_with_the_people_found(staff_a, client_for, project_a, people):
    client = client_for(staff_a)
    url = reverse("residents:person_list") + "?q=Hofman"
    small = count_queries(client, url)
    for n in range(30):
        person = PersonFactory(
            corporation=project_a.corporation, first_name=f"Kim{n}", last_name="Hofman"
        )
        ContractFactory(person=person, unit=UnitFactory(project=project_a))
    large = count_queries(client, url)
    assert large == small


def test_the_search_uses_its_trigram_index(people):
    """On a table this small PostgreSQL would scan it; with seq scans off the index must be
    usable for the expression the search writes, or the plan falls back to a scan anyway."""
    from residents.models import Person

    queryset = Person.objects.filter(search_text__contains="hofman")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "person_search_trgm" in plan


NAMES = ["Aydın", "Müller", "Çelik", "Øster", "Łukasz", "Straße", "İlker", "Ångström", "Zoë"]


def test_the_python_fold_matches_the_database_one(db):
    """The demo's SQLite folds with `fold`; PostgreSQL with `mm_fold` (unaccent): the same."""
    with connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute("SELECT mm_fold(%s)", [name])
            assert cursor.fetchone()[0] == fold(name), name


def test_sqlite_gets_the_same_fold_function():
    class Wrapper:
        vendor = "sqlite"
        connection = sqlite3.connect(":memory:")

    register_sqlite_functions(None, connection=Wrapper)
    assert Wrapper.connection.execute("SELECT mm_fold('Aydın Müller')").fetchone() == (
        "aydin muller",
    )


def test_the_search_text_follows_every_write(people):
    """A stored generated column: a save, a bulk update or raw SQL all keep it right."""
    from residents.models import Person

    Person.objects.filter(pk=people["jonas"].pk).update(last_name="Şahin")
    assert Person.objects.get(pk=people["jonas"].pk).search_text.startswith("jonas sahin ")


def test_words_split_on_spaces_and_commas():
    assert words(" Hofman,Noor ;  R-5001 ") == ["hofman", "noor", "r-5001"]

"""Personas shared by every test (style.md habit 9), and the check that CI really runs on
PostgreSQL and Redis.

Two corporations (A and B) each with a project in its own municipality; staff and read-only users
of A, staff of B, a policy officer of A's municipality, an association member living in project A,
an outsider with no role anywhere, a care worker of a care organisation, and a site
administrator. Each persona is a plain User; the fixtures create what makes them that persona.

The seeded reference data (target groups, contract types; migration residents/0003) is there in
tests that use the `db` fixture. A `transaction=True` test flushes it, so such a test must ask for
`serialized_rollback` or not rely on it.
"""

import datetime as dt
import os

import pytest
import redis
from celery.signals import after_task_publish
from django.conf import settings
from django.db import connection
from django.test import Client

from projects.models import Role

from .factories import (
    AssociationMembershipFactory,
    CareOrganisationFactory,
    ContractFactory,
    CorporationFactory,
    MembershipFactory,
    MunicipalityFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)
from .logins import log_in


def _services_problems() -> list[str]:
    """What is wrong with the services CI promises; empty when PostgreSQL and Redis are there."""
    problems = []
    if connection.vendor != "postgresql":
        problems.append(
            f"the database is {connection.vendor!r}, not PostgreSQL: set DATABASE_URL to a "
            "postgres:// URL (the overlap exclusion constraint exists only on PostgreSQL)"
        )
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        try:
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3
            ).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {settings.REDIS_URL} does not answer PING ({exc})")
    return problems


@pytest.fixture(autouse=True, scope="session")
def _require_services():
    """With MAGICMIX_REQUIRE_SERVICES=1 (set by CI) a missing service fails the whole run.

    Skipping would let a green CI run hide that the PostgreSQL-only tests never ran.
    """
    if os.environ.get("MAGICMIX_REQUIRE_SERVICES") != "1":
        return
    problems = _services_problems()
    if problems:
        pytest.exit(
            "MAGICMIX_REQUIRE_SERVICES=1 but the test services are not available: "
            + "; ".join(problems),
            returncode=1,
        )


# Organisations and projects


@pytest.fixture
def corp_a(db):
    return CorporationFactory(name="Stadswonen A")


@pytest.fixture
def corp_b(db):
    return CorporationFactory(name="Noorderhuis B")


@pytest.fixture
def municipality_a(db):
    return MunicipalityFactory(name="Gemeente A")


@pytest.fixture
def care_org(db):
    return CareOrganisationFactory(name="Zorg en Begeleiding")


@pytest.fixture
def project_a(corp_a, municipality_a):
    return ProjectFactory(
        name="Project A", corporation=corp_a, municipality=municipality_a, has_association=True
    )


@pytest.fixture
def project_b(corp_b):
    return ProjectFactory(
        name="Project B", corporation=corp_b, municipality=MunicipalityFactory(name="Gemeente B")
    )


# Users: one per persona


def _member_of(organisation, role: str, email: str):
    user = UserFactory(email=email)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def staff_a(corp_a):
    return _member_of(corp_a, Role.STAFF, "staff@a.example")


@pytest.fixture
def readonly_a(corp_a):
    return _member_of(corp_a, Role.READONLY, "readonly@a.example")


@pytest.fixture
def staff_b(corp_b):
    return _member_of(corp_b, Role.STAFF, "staff@b.example")


@pytest.fixture
def policy_a(municipality_a):
    return _member_of(municipality_a, Role.POLICY, "policy@a.example")


@pytest.fixture
def member_a(project_a):
    """A resident of project A with an open-ended contract and an active association membership."""
    user = UserFactory(email="member@a.example")
    person = PersonFactory(corporation=project_a.corporation, user=user)
    ContractFactory(
        person=person, unit=UnitFactory(project=project_a), start_date=dt.date(2024, 1, 1)
    )
    AssociationMembershipFactory(person=person, project=project_a, joined_on=dt.date(2024, 1, 1))
    return user


@pytest.fixture
def outsider(db):
    """Logged in, but no membership, no resident record: sees nothing."""
    return UserFactory(email="outsider@example.test")


@pytest.fixture
def care_worker(care_org):
    """A care worker of care_org: sees only the active omklap contracts care_org holds."""
    return _member_of(care_org, Role.CARE, "worker@zorg.example")


@pytest.fixture
def admin_user(db):
    """Site administrator (overrides pytest-django's fixture of the same name)."""
    return UserFactory(email="admin@magicmix.example", is_superuser=True, is_staff=True)


@pytest.fixture
def client_for(db):
    """`client_for(user)`: a fresh test client logged in as `user`."""

    def make(user) -> Client:
        client = Client()
        log_in(client, user)
        return client

    return make


@pytest.fixture
def published():
    """The Celery tasks published to Redis during the test (the opening's e-mails are queued
    once the round commits); removed from the queue afterwards, as no worker of this test
    consumes them."""
    sent = []

    def record(sender=None, headers=None, body=None, routing_key=None, **kwargs):
        sent.append((headers["id"], sender, list(body[0]), routing_key))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)
    client = redis.Redis.from_url(settings.REDIS_URL)
    ids = {task_id for task_id, *_rest in sent}
    for queue in {routing_key for *_rest, routing_key in sent}:
        for raw in client.lrange(queue, 0, -1):
            if any(task_id.encode() in raw for task_id in ids):
                client.lrem(queue, 1, raw)

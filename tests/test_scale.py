"""`manage.py load_scale`: a tiny generated data set (3 projects) is proportional, valid, refused
a second time without touching anything, and replaced by the same data (deterministic)."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from allocation.models import Application, Offer, Vacancy, VoteRound
from projects.models import Cluster, Membership, Organisation, OrganisationKind, Project, Unit
from residents.demo import NOTES
from residents.models import (
    IN_FORCE,
    AssociationMembership,
    CheckIn,
    Contract,
    ContractType,
    Notice,
    Person,
    ResidentWarning,
)

pytestmark = pytest.mark.django_db

COUNTED = [
    Organisation,
    Membership,
    Project,
    Cluster,
    Unit,
    Person,
    Contract,
    Notice,
    CheckIn,
    ResidentWarning,
    AssociationMembership,
    Application,
    Vacancy,
    Offer,
    VoteRound,
]


def load(**options) -> str:
    out = StringIO()
    call_command("load_scale", projects=3, seed=1, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    made = {model.__name__: model.objects.count() for model in COUNTED}
    made["User"] = get_user_model().objects.count()
    made["Contract.history"] = Contract.history.count()
    return made


def fingerprint() -> list[tuple]:
    """Every contract's facts that do not depend on primary keys."""
    return sorted(
        Contract.objects.values_list(
            "unit__project__name",
            "unit__number",
            "start_date",
            "end_date",
            "status",
            "end_reason",
            "outflow",
            "contract_type__code",
            "person__first_name",
            "person__last_name",
            "person__date_of_birth",
        )
    )


@pytest.fixture
def output():
    return load()


def test_counts_are_proportional_and_plausible(output):
    made = counts()
    kinds = dict(Organisation.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds == {
        OrganisationKind.MUNICIPALITY: 2,
        OrganisationKind.CORPORATION: 2,
        OrganisationKind.CARE: 2,
    }
    assert all(
        name.startswith("Schaal ") for name in Organisation.objects.values_list("name", flat=True)
    )
    assert made["Project"] == 3
    assert made["Membership"] == 6  # a policy officer, a staff member, a care worker each
    for project in Project.objects.annotate(n=Count("units")):
        assert 20 <= project.n <= 150
    for cluster in Cluster.objects.annotate(n=Count("units")):
        assert 10 <= cluster.n <= 20 or cluster.project.units.count() <= 20
    # About 3 contracts per unit over five years, fewer persons than contracts (flips and moves),
    # and everyone has a contract or applied somewhere.
    assert made["Unit"] <= made["Contract"] <= 6 * made["Unit"]
    assert made["Person"] < made["Contract"] + made["Application"]
    assert not Person.objects.filter(contracts=None, applications=None).exists()
    assert made["Contract.history"] == made["Contract"]  # each has its creation record
    assert made["CheckIn"] > 0
    assert made["Notice"] > 0
    assert "planned projects 3/3" in output
    assert f"contracts {Contract.objects.filter(flipped_from=None).count():,}/" in output
    assert "Scale data loaded in" in output


def test_no_two_contracts_in_force_overlap_on_a_unit(output):
    forever = Value(dt.date.max)
    clash = (
        Contract.objects.filter(unit=OuterRef("unit"), status__in=IN_FORCE)
        .exclude(pk=OuterRef("pk"))
        .filter(start_date__lte=Coalesce(OuterRef("end_date"), forever))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("start_date")))
    )
    assert not Contract.objects.filter(status__in=IN_FORCE).filter(Exists(clash)).exists()
    # A tenancy that continues past a missed notice is the unit's last contract.
    today = timezone.localdate()
    per_unit = Contract.objects.in_force(today).values("unit").annotate(n=Count("pk"))
    assert not per_unit.filter(n__gt=1).exists()


def test_rows_pass_the_models_validation(output):
    """full_clean() on every generated row of the kinds staff edit (the loader skips it)."""
    for model in (Person, Contract, Notice, CheckIn, ResidentWarning, Application, Vacancy, Offer):
        for row in model.objects.all():
            row.full_clean()
    assert set(Person.objects.exclude(notes="").values_list("notes", flat=True)) <= set(NOTES)


def test_refused_when_present_and_nothing_changes(output):
    before = counts()
    with pytest.raises(CommandError, match="--replace"):
        load()
    assert counts() == before


def test_replace_gives_the_same_data(output):
    before, facts = counts(), fingerprint()
    old_ids = set(Contract.objects.values_list("pk", flat=True))
    out = load(replace=True)
    assert "removed the previous scale data" in out
    assert counts() == before
    assert fingerprint() == facts
    assert not old_ids & set(Contract.objects.values_list("pk", flat=True))


def test_refused_without_reference_data():
    ContractType.objects.all().delete()
    with pytest.raises(CommandError, match="migrate"):
        load()
    assert not Organisation.objects.exists()

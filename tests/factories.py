"""factory_boy factories for the models the tests build on.

Reference data (target groups, contract types) is seeded by migration residents/0003, so the
factories fetch it by code instead of creating it: a test sees the same rules as production.
"""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from projects.models import (
    Cluster,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    Role,
    Unit,
    UnitKind,
)
from residents.models import (
    AssociationMembership,
    Contract,
    ContractStatus,
    ContractType,
    Person,
    ResidentRole,
    TargetGroup,
)


class UserFactory(factory.django.DjangoModelFactory):
    """A user who logs in with an e-mail address, which is also the username.

    No usable password by default: tests log in with force_login, and hashing a real password
    costs a good part of a second per user. Pass `password=` to get one.
    """

    class Meta:
        model = get_user_model()

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.LazyFunction(lambda: make_password(None))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A raw password given by a test is hashed, so that a real login works.
        password = kwargs.get("password")
        if password and not password.startswith("!") and "$" not in password:
            kwargs["password"] = make_password(password)
        return super()._create(model_class, *args, **kwargs)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Corporatie {n}")
    kind = OrganisationKind.CORPORATION
    city = "Utrecht"


class CorporationFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Woningcorporatie {n}")
    kind = OrganisationKind.CORPORATION


class MunicipalityFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    kind = OrganisationKind.MUNICIPALITY


class CareOrganisationFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Zorgorganisatie {n}")
    kind = OrganisationKind.CARE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(CorporationFactory)
    role = Role.STAFF


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    corporation = factory.SubFactory(CorporationFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    city = "Utrecht"


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Gang {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    project = factory.SubFactory(ProjectFactory)
    cluster = None
    number = factory.Sequence(lambda n: f"{n + 1:03d}")
    kind = UnitKind.ROOM
    floor_area = Decimal("18.0")
    rent = Decimal("450.00")
    max_household = 1


class PersonFactory(factory.django.DjangoModelFactory):
    """A dragend resident of the default target group "student" (pass target_group_code=...)."""

    class Meta:
        model = Person
        exclude = ("target_group_code",)

    class Params:
        target_group_code = "student"

    corporation = factory.SubFactory(CorporationFactory)
    first_name = factory.Sequence(lambda n: f"Bewoner{n}")
    last_name = "de Vries"
    date_of_birth = dt.date(2000, 3, 15)
    target_group = factory.LazyAttribute(
        lambda o: TargetGroup.objects.get(code=o.target_group_code)
    )
    role = ResidentRole.DRAGEND


class ContractFactory(factory.django.DjangoModelFactory):
    """An active open-ended "regulier" contract; the tenant belongs to the unit's corporation."""

    class Meta:
        model = Contract
        exclude = ("contract_type_code",)

    class Params:
        contract_type_code = "regulier"

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(
        PersonFactory, corporation=factory.SelfAttribute("..unit.project.corporation")
    )
    contract_type = factory.LazyAttribute(
        lambda o: ContractType.objects.get(code=o.contract_type_code)
    )
    start_date = dt.date(2025, 1, 1)
    end_date = None
    status = ContractStatus.ACTIVE


class AssociationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssociationMembership

    person = factory.SubFactory(PersonFactory)
    project = factory.SubFactory(
        ProjectFactory,
        corporation=factory.SelfAttribute("..person.corporation"),
        has_association=True,
    )
    joined_on = dt.date(2024, 1, 1)
    left_on = None


# Association votes (allocation.voting)


def association_member(
    project, *, cluster=None, login=True, joined_on=dt.date(2024, 1, 1), left_on=None, **person
):
    """A resident of `project` (on a unit in `cluster`, if given) who is a member of its
    residents' association; with a login account unless `login=False`. Returns the Person."""
    user = UserFactory() if login else None
    resident = PersonFactory(corporation=project.corporation, user=user, **person)
    ContractFactory(
        person=resident,
        unit=UnitFactory(project=project, cluster=cluster),
        start_date=dt.date(2024, 1, 1),
    )
    AssociationMembershipFactory(
        person=resident, project=project, joined_on=joined_on, left_on=left_on
    )
    return resident


def vote_candidate(
    project,
    *,
    first_name,
    consent=True,
    intake_outcome="positive",
    registered_on=dt.date(2024, 1, 1),
    urgent=False,
    **person,
):
    """An active, validated candidate (Application) for `project`: a dragend student with a
    positive intake, who consents to share a profile with the association unless told not to."""
    from allocation.models import Application

    candidate = PersonFactory(
        corporation=project.corporation,
        first_name=first_name,
        share_profile_consent=consent,
        **person,
    )
    application = Application(
        project=project,
        person=candidate,
        registered_on=registered_on,
        urgent=urgent,
        intake_outcome=intake_outcome,
        intake_on=dt.date(2026, 1, 1),
        motivation=f"{first_name} wil graag samen wonen.",
        contribution=f"{first_name} kookt op vrijdag voor de gang.",
        availability="Vanaf volgende maand",
    )
    application.full_clean()
    application.save()
    return application

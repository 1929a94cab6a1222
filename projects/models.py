"""Organisations, who works for them in which role, and the buildings: projects, clusters, units."""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class OrganisationKind(models.TextChoices):
    CORPORATION = "corporation", _("Housing corporation")
    MUNICIPALITY = "municipality", _("Municipality")
    CARE = "care", _("Care organisation")


class Role(models.TextChoices):
    """A user's role within one organisation.

    Two more roles exist outside this table: an association member is a user linked to a resident
    with an active association membership (residents.AssociationMembership), and a site
    administrator is a Django superuser.
    """

    STAFF = "staff", _("Corporation staff")
    READONLY = "readonly", _("Corporation read-only")
    POLICY = "policy", _("Municipal policy officer")
    CARE = "care", _("Care worker")


ROLE_KINDS = {
    Role.STAFF: OrganisationKind.CORPORATION,
    Role.READONLY: OrganisationKind.CORPORATION,
    Role.POLICY: OrganisationKind.MUNICIPALITY,
    Role.CARE: OrganisationKind.CARE,
}


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What a user chose for themselves: the language of their pages and e-mails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


def user_language(user) -> str:
    """The language to write to `user` in: their choice, else the site's default (Dutch)."""
    profile = getattr(user, "profile", None) if user.pk else None
    return profile.language if profile else settings.LANGUAGE_CODE


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_role_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    def clean(self) -> None:
        expected = ROLE_KINDS.get(self.role)
        if expected and self.organisation_id and self.organisation.kind != expected:
            message = _("This role belongs to an organisation of kind: %(kind)s.") % {
                "kind": OrganisationKind(expected).label
            }
            raise ValidationError({"role": message})


class InvitationState(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("used")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("withdrawn")


class Invitation(models.Model):
    """A link that lets someone choose the password of their login: once, until it expires.

    Only a hash of the link's token is stored, so neither the admin nor a database dump can give
    the link away. A new invitation to the same login withdraws the older ones: only the newest
    link works. What the login gives access to (a role, a resident's record) is held elsewhere
    (Membership, Person.user); withdrawing that is what ends access.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("sent to"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("on behalf of"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_state_display()})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    def get_state_display(self) -> str:
        return InvitationState(self.state).label


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user) -> "ProjectQuerySet":
        """Projects whose records (units, residents, contracts) the user may open."""
        from .access import corporation_ids

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(corporation_id__in=corporation_ids(user))

    def with_unit_count(self) -> "ProjectQuerySet":
        """Annotate `unit_count`; ordered by name, as an aggregate drops Meta.ordering."""
        return self.annotate(unit_count=models.Count("units", distinct=True)).order_by("name", "pk")

    def for_policy(self, user) -> "ProjectQuerySet":
        """Projects a policy officer may see aggregates of: those in their municipalities."""
        from .access import municipality_ids

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(municipality_id__in=municipality_ids(user))


class Concept(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary (permit with an end date)")
    PERMANENT = "permanent", _("Permanent")


class Project(models.Model):
    name = models.CharField(_("name"), max_length=200)
    corporation = models.ForeignKey(
        Organisation,
        verbose_name=_("housing corporation"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": OrganisationKind.CORPORATION},
    )
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="municipal_projects",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    concept = models.CharField(
        _("concept"), max_length=20, choices=Concept.choices, default=Concept.PERMANENT
    )
    permit_end_date = models.DateField(
        _("permit end date"),
        null=True,
        blank=True,
        help_text=_("Required for a temporary project: the date its permit ends."),
    )
    care_partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("care partners"),
        blank=True,
        related_name="care_projects",
        limit_choices_to={"kind": OrganisationKind.CARE},
    )
    dragend_min = models.PositiveSmallIntegerField(
        _("dragend share, minimum (%)"), default=50, validators=percent_validators
    )
    dragend_max = models.PositiveSmallIntegerField(
        _("dragend share, maximum (%)"), default=80, validators=percent_validators
    )
    cluster_dragend_min = models.PositiveSmallIntegerField(
        _("cluster default: dragend minimum (%)"), default=40, validators=percent_validators
    )
    cluster_dragend_max = models.PositiveSmallIntegerField(
        _("cluster default: dragend maximum (%)"), default=90, validators=percent_validators
    )
    contribution_hours = models.PositiveSmallIntegerField(
        _("contribution norm (hours a month)"),
        default=16,
        help_text=_("The default monthly contribution of a dragend resident."),
    )
    has_association = models.BooleanField(_("has a residents' association"), default=False)
    checkin_every_months = models.PositiveSmallIntegerField(
        _("omklap check-in every (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("How often the care organisation and staff check in on an omklap tenant."),
    )
    responsible_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff"),
        blank=True,
        related_name="responsible_for",
        help_text=_(
            "They receive the project's contract reminders. Leave empty to send them to every "
            "staff member of the corporation."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["corporation", "name"], name="project_name_per_corp"),
            models.CheckConstraint(
                condition=Q(dragend_min__lte=models.F("dragend_max")), name="project_band_order"
            ),
            models.CheckConstraint(
                condition=Q(cluster_dragend_min__lte=models.F("cluster_dragend_max")),
                name="project_cluster_band_order",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("residents:project_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.concept == Concept.TEMPORARY and not self.permit_end_date:
            errors["permit_end_date"] = _("A temporary project needs the permit's end date.")
        for low, high in (
            ("dragend_min", "dragend_max"),
            ("cluster_dragend_min", "cluster_dragend_max"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                errors[high] = _("The maximum must not be below the minimum.")
        if errors:
            raise ValidationError(errors)


class ScopedByProjectQuerySet(models.QuerySet):
    """Rows reached through a project: scoped like Project.objects.for_user."""

    project_path = "project"

    def for_user(self, user):
        projects = Project.objects.for_user(user)
        return self.filter(**{f"{self.project_path}__in": projects})


class ClusterKind(models.TextChoices):
    CORRIDOR = "corridor", _("Corridor")
    FLOOR = "floor", _("Floor")
    GROUP = "group", _("Living group")


class Cluster(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="clusters"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ClusterKind.choices, default=ClusterKind.CORRIDOR
    )
    dragend_min = models.PositiveSmallIntegerField(
        _("dragend share, minimum (%)"),
        null=True,
        blank=True,
        validators=percent_validators,
        help_text=_("Leave empty to use the project's default band for clusters."),
    )
    dragend_max = models.PositiveSmallIntegerField(
        _("dragend share, maximum (%)"), null=True, blank=True, validators=percent_validators
    )

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["project", "name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="cluster_name_per_project"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.dragend_min is None) != (self.dragend_max is None):
            raise ValidationError(
                _("Give both the minimum and the maximum, or leave both empty for the default.")
            )
        if self.dragend_min is not None and self.dragend_min > self.dragend_max:
            raise ValidationError({"dragend_max": _("The maximum must not be below the minimum.")})

    @property
    def band(self) -> tuple[int, int]:
        if self.dragend_min is not None and self.dragend_max is not None:
            return self.dragend_min, self.dragend_max
        return self.project.cluster_dragend_min, self.project.cluster_dragend_max


class UnitKind(models.TextChoices):
    ROOM = "room", _("Room")
    STUDIO = "studio", _("Studio")
    APARTMENT = "apartment", _("Apartment")


class Unit(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="units"
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)]
    )
    rent = models.DecimalField(
        _("rent a month (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    max_household = models.PositiveSmallIntegerField(
        _("maximum household size"), default=1, validators=[MinValueValidator(1)]
    )
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="unit_number_per_project"),
        ]
        # The people search finds a tenant by unit number, ignoring case (number__iexact).
        indexes = [models.Index(Upper("number"), name="unit_number_upper")]

    def __str__(self) -> str:
        return f"{self.project} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("residents:unit_detail", args=[self.pk])

    def clean(self) -> None:
        if self.cluster_id and self.project_id and self.cluster.project_id != self.project_id:
            raise ValidationError({"cluster": _("This cluster belongs to another project.")})


def staff_to_notify(projects) -> dict[int, list[int]]:
    """project id -> user ids to notify about it: its responsible staff, else all active staff
    of its corporation (two queries)."""
    projects = {p.pk: p for p in projects}
    chosen: dict[int, list[int]] = defaultdict(list)
    for project_id, user_id in Project.responsible_staff.through.objects.filter(
        project_id__in=projects, user__is_active=True
    ).values_list("project_id", "user_id"):
        chosen[project_id].append(user_id)
    staff: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in Membership.objects.filter(
        organisation_id__in={p.corporation_id for p in projects.values()},
        role=Role.STAFF,
        user__is_active=True,
    ).values_list("organisation_id", "user_id"):
        staff[org_id].append(user_id)
    return {pk: chosen.get(pk) or staff.get(p.corporation_id, []) for pk, p in projects.items()}


class AuditAction(models.TextChoices):
    VIEW = "view", _("Opened")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded a document")
    ACCESS_REQUEST = "access", _("Produced a right-of-access file")


class AuditEntry(models.Model):
    """One read of personal data: who, when, what, from which organisation.

    Append-only: the application never changes or deletes an entry before `keep_until`, the
    admin shows them read-only, and on PostgreSQL a trigger refuses every UPDATE and any DELETE
    of an entry still within its period (migration projects 0005). The actor is written as text
    and a plain number, not a foreign key, so that deleting an account leaves its reads on record;
    the object is named by its type and id only, so the log holds no names of its own.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    keep_until = models.DateTimeField(_("kept until"))
    actor_id = models.PositiveBigIntegerField(_("user id"), null=True)
    actor = models.CharField(_("user"), max_length=254)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("kind of record"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("record id"), null=True)
    path = models.CharField(_("address"), max_length=500)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["-at"], name="audit_at"),
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object"),
            models.Index(fields=["actor_id", "-at"], name="audit_actor"),
            models.Index(fields=["keep_until"], name="audit_keep_until"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An audit entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An audit entry is deleted only by the retention job, after its period.")


class LetterKind(models.TextChoices):
    NOTICE = "notice", _("End-of-term notice (aanzegging)")
    OFFER = "offer", _("Offer of a unit")
    CONTRACT = "contract", _("Contract summary")
    OMKLAP = "omklap", _("Omklap decision")


class LetterTemplate(models.Model):
    """A corporation's own wording of one kind of letter in one language (projects.letters).

    Without one, the letter uses the wording that ships (projects.letters.DEFAULTS). The body is
    plain text with `{placeholder}`s for the facts; paragraphs are separated by an empty line.
    """

    corporation = models.ForeignKey(
        Organisation,
        verbose_name=_("housing corporation"),
        on_delete=models.CASCADE,
        related_name="letter_templates",
        limit_choices_to={"kind": OrganisationKind.CORPORATION},
    )
    kind = models.CharField(_("kind of letter"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["corporation", "kind", "language"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["corporation", "kind", "language"], name="one_letter_template_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.corporation} – {self.get_kind_display()} ({self.language})"

    def clean(self) -> None:
        from .letters import unknown_placeholders

        errors = {}
        for field in ("subject", "body"):
            unknown = unknown_placeholders(self.kind, getattr(self, field))
            if unknown:
                errors[field] = _("Unknown placeholder: %(names)s.") % {
                    "names": ", ".join("{" + name + "}" for name in unknown)
                }
        if errors:
            raise ValidationError(errors)

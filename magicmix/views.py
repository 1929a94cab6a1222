"""The home page: one page, with the sections that fit each of the user's roles."""

import json

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn import views as webauthn_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from allocation import voting
from allocation.models import Participation, VoteRound
from projects import access, audit
from projects.lists import page_of
from projects.models import Profile, Project
from residents.access import get_person_for_user
from residents.dates import add_months
from residents.lifecycle import trajectory_facts
from residents.mix import mix_by_project
from residents.models import AssociationMembership, Contract

from . import access_file, reminders, worklist
from .models import Delivery

ENDING_SOON_MONTHS = 6


def home(request):
    user = request.user
    today = timezone.localdate()
    # "Contracts ending soon": the next six calendar months, soonest first.
    context = {"today": today, "ending_until": add_months(today, ENDING_SOON_MONTHS)}

    if access.is_corporation_user(user):
        projects = list(
            Project.objects.for_user(user).select_related("municipality").with_unit_count()
        )
        mixes = mix_by_project(projects, today)
        context["staff_rows"] = [
            (p, mixes[p.pk], p.unit_count - mixes[p.pk].occupied_units) for p in projects
        ]
        # The worklist: every project, or the one chosen (404 for one that is not the user's).
        chosen = worklist_project(request, projects)
        scope = Project.objects.for_user(user)
        if chosen is not None:
            scope = scope.filter(pk=chosen.pk)
        context["worklist"] = worklist.worklist(scope, today)
        context["worklist_projects"] = projects
        context["worklist_project"] = chosen
        # Signing is for who may write there; the others' line leads to the contract.
        drafts_of = {
            row.contract.unit.project.corporation_id for row in context["worklist"]["drafts"].rows
        }
        context["signing_corporations"] = {c for c in drafts_of if access.can_write(user, c)}
        context["can_write_any"] = bool(access.writable_corporation_ids(user))

    if access.municipality_ids(user):
        # Names and units only: every count of people is on the dashboard, where one set of
        # rules hides the small ones (a second page with its own counts could undo that).
        context["policy_projects"] = list(
            Project.objects.for_policy(user)
            .select_related("corporation", "municipality")
            .with_unit_count()
            .order_by("municipality__name", "name")
        )

    if access.care_organisation_ids(user):
        guided = Contract.objects.guided_by(user).select_related("unit__project", "contract_type")
        facts = [trajectory_facts(c, today) for c in guided.with_deadline_facts()]
        context["care_summary"] = {
            "total": len(facts),
            "overdue": sum(f.checkin_overdue for f in facts),
            "due": sum(f.checkin_due and not f.checkin_overdue for f in facts),
        }

    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is not None:
        context["member_person"] = person
        context["association_memberships"] = (
            AssociationMembership.objects.active(today)
            .filter(person=person)
            .select_related("project")
        )
        context["open_votes"] = open_votes_for(user)

    return render(request, "magicmix/home.html", context)


def worklist_project(request, projects: list[Project]) -> Project | None:
    """The project the worklist is narrowed to (`?project=<id>`), from the user's `projects`."""
    value = request.GET.get("project", "")
    if not value:
        return None
    chosen = next((p for p in projects if str(p.pk) == value), None)
    if chosen is None:
        raise Http404
    return chosen


def open_votes_for(user) -> list:
    """The running rounds the user votes in, with whether they voted (closing due ones first)."""
    rounds = VoteRound.objects.for_elector(user)
    voting.rounds_close_due(rounds)
    return list(
        rounds.open()
        .select_related("vacancy__unit", "project")
        .annotate(
            has_voted=Exists(
                Participation.objects.filter(elector__round=OuterRef("pk"), elector__user=user)
            )
        )
        .order_by("closes_at", "pk")
    )


def reminder_inbox(request):
    """The user's reminders, newest first; unread ones stand out. Anyone can have reminders."""
    show = request.GET.get("show", "all")
    deliveries = (
        Delivery.objects.filter(recipient=request.user, cancelled_at__isnull=True)
        .select_related(
            "reminder__contract__person",
            "reminder__contract__unit__project",
            "reminder__contract__contract_type",
        )
        .order_by("-reminder__due_date", "-pk")
    )
    if show == "unread":
        deliveries = deliveries.filter(read_at__isnull=True)
    if request.method == "POST":
        Delivery.objects.unread_for(request.user).update(read_at=timezone.now())
        messages.success(request, _("All reminders marked as read."))
        return redirect("reminder_inbox")
    page = page_of(request, deliveries)
    return render(
        request,
        "magicmix/reminder_inbox.html",
        {"page_obj": page, "show": show, "last_run": reminders.last_run()},
    )


@require_POST
def reminder_open(request, pk):
    """Mark one reminder read and go to what it is about."""
    delivery = get_object_or_404(
        Delivery.objects.filter(recipient=request.user).select_related("reminder__contract"),
        pk=pk,
    )
    if delivery.read_at is None:
        delivery.read_at = timezone.now()
        delivery.save(update_fields=["read_at"])
    contract = delivery.reminder.contract
    if (
        request.user.pk == contract.care_worker_id
        and not Contract.objects.guided_by(request.user).filter(pk=contract.pk).exists()
    ):
        # The trajectory ended (flipped or ended) or moved to another organisation.
        messages.info(request, _("This omklap trajectory is no longer open to you."))
        return redirect("reminder_inbox")
    return redirect(reminders.reminder_link(delivery.reminder, request.user, absolute=False))


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch; a logged-in user's choice is also kept for their e-mails."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response


@login_not_required
def admin_login(request):
    """The Django admin logs in through the site's own login, with its limits and second factor.

    Django's admin login form has neither; this replaces it. A logged-in user who may not use
    the admin is refused here rather than sent round to the login page again.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@require_POST
@never_cache
def person_access_file(request, pk):
    """Right of access: the file of everything held about one person (magicmix.access_file)."""
    person = get_person_for_user(request.user, pk, write=True)
    audit.record(request, audit.AuditAction.ACCESS_REQUEST, person)
    content = json.dumps(access_file.build(person), ensure_ascii=False, indent=2)
    name = f"inzage-persoon-{person.pk}-{timezone.localdate()}.json"
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class RemoveSecurityKeyView(webauthn_views.RemoveWebAuthnView):
    """allauth's removal of a security key, with the rule its TOTP removal already keeps: an
    account that must have a second factor cannot remove its last one (SecondFactorAdapter)."""

    def form_valid(self, form):
        if not get_mfa_adapter().can_delete_authenticator(self.get_object()):
            messages.error(self.request, _("You cannot remove your last second factor."))
            return redirect("mfa_list_webauthn")
        return super().form_valid(form)


remove_security_key = RemoveSecurityKeyView.as_view()


@login_not_required
@require_safe
def accessibility_statement(request):
    """The accessibility statement (toegankelijkheidsverklaring), in the form of the Dutch
    government's model, with the status as measured; open to everyone, logged in or not."""
    return render(request, "magicmix/accessibility.html")

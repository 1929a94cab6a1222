"""Staff pages for the people around a project: a resident's own login, the association's
members, and edits of many people at once."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from projects import access
from projects.forms import user_label
from projects.lists import page_of
from projects.models import Organisation, Project

from . import logins
from .access import get_person_for_user
from .filters import PersonFilter
from .forms import (
    BULK_ACTIONS,
    BulkEndMembershipsForm,
    BulkResponsibleForm,
    MembershipAddForm,
    MembershipEndForm,
)
from .letters import letter_language
from .models import AssociationMembership, Person
from .views import confirmed


def _confirm(request, *, person, title, summary, submit_label):
    return render(
        request,
        "residents/confirm.html",
        {
            "title": title,
            "person": person,
            "summary": summary,
            "action": request.path,
            "back_url": person.get_absolute_url(),
            "submit_label": submit_label,
            "no_edit": True,
        },
    )


@require_http_methods(["GET", "POST"])
def person_login_invite(request, pk):
    """Confirm, then e-mail the person a link to choose the password of their own login."""
    person = get_person_for_user(request.user, pk, write=True)
    if request.method == "POST":
        try:
            outcome = logins.invite(person=person, invited_by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if outcome == "linked":
                message = _(
                    "%(email)s already had a login: it now also opens %(name)s's pages, and its "
                    "owner has been told by e-mail."
                )
            else:
                message = _(
                    "%(name)s has been invited: an e-mail to %(email)s has a link to choose a "
                    "password."
                )
            messages.success(request, message % {"email": person.email, "name": person.full_name})
        return redirect(person)
    language = dict(settings.LANGUAGES)[letter_language(person)]
    summary = [
        _("An e-mail in %(language)s goes to %(email)s.")
        % {"language": language, "email": person.email or "–"},
        _(
            "Its link lets %(name)s choose a password, once, within %(days)s days; an address that "
            "has a login already keeps it."
        )
        % {"name": person.full_name, "days": settings.INVITATION_DAYS},
        _("With the login %(name)s sees the votes of the associations they are a member of.")
        % {"name": person.full_name},
    ]
    return _confirm(
        request,
        person=person,
        title=_("Give %(name)s a login") % {"name": person.full_name},
        summary=summary,
        submit_label=_("Send the invitation"),
    )


@require_http_methods(["GET", "POST"])
def person_login_revoke(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    if request.method == "POST":
        try:
            logins.revoke(person=person)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("%(name)s can no longer log in.") % {"name": person.full_name}
            )
        return redirect(person)
    summary = [
        _(
            "%(name)s can no longer log in; a session that is open ends, and an invitation that "
            "was sent stops working."
        )
        % {"name": person.full_name},
        _("Memberships, votes cast and contracts stay as they are."),
    ]
    return _confirm(
        request,
        person=person,
        title=_("End the login of %(name)s") % {"name": person.full_name},
        summary=summary,
        submit_label=_("End the login"),
    )


# The association's members


MEMBER_STATUSES = {
    "current": gettext_lazy("members now"),
    "former": gettext_lazy("former members"),
    "all": gettext_lazy("everyone who was a member"),
}


def get_membership_for_user(user, pk, *, write: bool = False) -> AssociationMembership:
    membership = get_object_or_404(
        AssociationMembership.objects.filter(
            project__in=Project.objects.for_user(user)
        ).select_related("person", "project__corporation"),
        pk=pk,
    )
    if write:
        access.require_write(user, membership.project.corporation_id)
    return membership


@require_safe
def project_association(request, pk):
    """Who is a member of the project's association, now or before; filtered and paged."""
    project = access.get_project_for_user(request.user, pk)
    today = timezone.localdate()
    status = request.GET.get("status")
    status = status if status in MEMBER_STATUSES else "current"
    memberships = AssociationMembership.objects.filter(project=project).select_related("person")
    if status == "current":
        memberships = memberships.active(today)
    elif status == "former":
        memberships = memberships.filter(left_on__lt=today)
    query = request.GET.get("q", "").strip()
    if query:
        memberships = memberships.filter(
            Q(person__first_name__icontains=query) | Q(person__last_name__icontains=query)
        )
    memberships = memberships.order_by("person__last_name", "person__first_name", "-joined_on")
    page = page_of(request, memberships)
    return render(
        request,
        "residents/association.html",
        {
            "project": project,
            "page_obj": page,
            "status": status,
            "statuses": MEMBER_STATUSES.items(),
            "query": query,
            "today": today,
            "current_count": AssociationMembership.objects.filter(project=project)
            .active(today)
            .count(),
            "can_write": access.can_write(request.user, project.corporation_id),
        },
    )


@require_http_methods(["GET", "POST"])
def membership_add(request, pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    if not project.has_association:
        messages.error(request, _("This project has no residents' association."))
        return redirect(project)
    form = MembershipAddForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        membership = form.save()
        messages.success(
            request,
            _("%(name)s is a member of the association from %(date)s.")
            % {"name": membership.person.full_name, "date": date_format(membership.joined_on)},
        )
        return redirect("residents:association", pk=project.pk)
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": _("New member of the association of %(project)s") % {"project": project},
            "project": project,
            "cancel_url": reverse("residents:association", args=[project.pk]),
        },
    )


@require_http_methods(["GET", "POST"])
def membership_end(request, pk):
    membership = get_membership_for_user(request.user, pk, write=True)
    back = reverse("residents:association", args=[membership.project_id])
    if membership.left_on and membership.left_on < timezone.localdate():
        messages.error(request, _("This membership has ended already."))
        return redirect(back)
    form = MembershipEndForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        membership.left_on = form.cleaned_data["left_on"]
        try:
            membership.full_clean()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            membership.save(update_fields=["left_on"])
            messages.success(
                request,
                _("%(name)s is a member until %(date)s.")
                % {"name": membership.person.full_name, "date": date_format(membership.left_on)},
            )
            return redirect(back)
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": _("End the membership of %(name)s") % {"name": membership.person.full_name},
            "intro": _("Member of the association of %(project)s since %(date)s.")
            % {"project": membership.project, "date": date_format(membership.joined_on)},
            "project": membership.project,
            "cancel_url": back,
        },
    )


# Edits of many people at once, from the people list: choose, confirm, all or nothing.

NAMES_SHOWN = 50
FILTER_PREFIX = "filter-"


def _selection(request, data):
    """The people the request chose: ticked on the list (or carried as `ids`), or all the list's
    filters find (`all`). 404 for anyone not in the user's scope; 403 if any of them is of a
    corporation the user may only read."""
    people = Person.objects.for_user(request.user)
    if data.get("all") == "1":
        # The list's filters come along prefixed, apart from the action form's own fields.
        filters = {k: v for k, v in data.items() if k.startswith(FILTER_PREFIX)}
        query = {k.removeprefix(FILTER_PREFIX): v for k, v in filters.items()}
        chosen = PersonFilter(query or None, queryset=people, request=request).qs
    else:
        raw = data.getlist("person") or data.get("ids", "").split(",")
        ids = {int(value) for value in raw if value.strip().isdigit()}
        chosen = people.filter(pk__in=ids)
        if len(ids) != chosen.count():
            raise Http404
        filters = {}
    corporations = set(chosen.values_list("corporation_id", flat=True).distinct())
    for corporation_id in corporations:
        access.require_write(request.user, corporation_id)
    return chosen.exclude(anonymised_on__isnull=False), corporations, filters


@require_http_methods(["GET", "POST"])
def people_bulk(request):
    access.require_corporation_user(request.user)
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action")
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose what to change for the people you ticked."))
        return redirect("residents:person_list")
    people, corporations, filters = _selection(request, data)
    ids = list(people.order_by("pk").values_list("pk", flat=True))  # once: count, carry, key
    count = len(ids)
    if not count:
        messages.error(request, _("Tick at least one person on the list."))
        return redirect("residents:person_list")
    if len(corporations) > 1:
        messages.error(request, _("Choose people of one corporation at a time."))
        return redirect("residents:person_list")
    if action == "responsible":
        corporation = Organisation.objects.get(pk=next(iter(corporations)))
        form = BulkResponsibleForm(
            request.POST if request.method == "POST" else None, corporation=corporation
        )
    else:
        form = BulkEndMembershipsForm(
            request.POST if request.method == "POST" else None, people=people
        )
    carried = {"action": action, **filters}
    if data.get("all") == "1":
        carried["all"] = "1"
    else:
        carried["ids"] = ",".join(map(str, ids))
    selection = _selection_key(ids)
    if request.method == "POST" and form.is_valid():
        if confirmed(request) and request.POST.get("selection") != selection:
            # "All the filters find" found others than the confirmation page counted.
            messages.error(
                request,
                _("The people these filters find have changed since you checked: check again."),
            )
        elif confirmed(request):
            done = _bulk_apply(action, people, form)
            messages.success(request, done)
            return redirect("residents:person_list")
        elif "edit" not in request.POST:
            return render(
                request,
                "residents/confirm.html",
                {
                    "form": form,
                    "title": BULK_ACTIONS[action],
                    "summary": _bulk_summary(action, people, count, form),
                    "action": request.path,
                    "back_url": reverse("residents:person_list"),
                    "submit_label": _bulk_submit_label(action, people, count, form),
                    "extra_hidden": {**carried, "selection": selection},
                },
            )
    names = list(people.order_by("last_name", "first_name")[:NAMES_SHOWN])
    return render(
        request,
        "residents/people_bulk.html",
        {
            "form": form,
            "title": BULK_ACTIONS[action],
            "names": names,
            "count": count,
            "more": count - len(names),
            "carried": carried,
        },
    )


def _selection_key(ids: list[int]) -> str:
    """Which people exactly: what the confirmation page showed must be what is changed."""
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]


def _bulk_submit_label(action, people, count, form) -> str:
    if action == "responsible":
        return ngettext("Confirm: change %(n)s person", "Confirm: change %(n)s people", count) % {
            "n": count
        }
    n = form.memberships(form.cleaned_data["left_on"]).count()
    return ngettext("Confirm: end %(n)s membership", "Confirm: end %(n)s memberships", n) % {"n": n}


def _bulk_summary(action, people, count, form) -> list[str]:
    if action == "responsible":
        staff = form.cleaned_data["responsible_staff"]
        who = user_label(staff) if staff else _("nobody")
        return [
            ngettext(
                "%(n)s person gets as responsible staff member: %(who)s.",
                "%(n)s people get as responsible staff member: %(who)s.",
                count,
            )
            % {"n": count, "who": who},
            _("Their change history records it, with your name."),
        ]
    left_on = form.cleaned_data["left_on"]
    memberships = form.memberships(left_on)
    n = memberships.count()
    members = memberships.values("person_id").distinct().count()
    return [
        ngettext(
            "%(n)s association membership ends on %(date)s",
            "%(n)s association memberships end on %(date)s",
            n,
        )
        % {"n": n, "date": date_format(left_on)}
        + " "
        + ngettext("(of %(m)s person).", "(of %(m)s people).", members) % {"m": members},
        ngettext(
            "%(k)s of the people you chose is no member on that date: nothing changes for them.",
            "%(k)s of the people you chose are no member on that date: nothing changes for them.",
            count - members,
        )
        % {"k": count - members}
        if count > members
        else _("Votes that are open stay as they are: who may vote was fixed when each opened."),
    ]


@transaction.atomic
def _bulk_apply(action, people, form) -> str:
    """All of them or none: one transaction, the rows locked first."""
    locked = list(Person.objects.select_for_update().filter(pk__in=people.values("pk")))
    if action == "responsible":
        staff = form.cleaned_data["responsible_staff"]
        for person in locked:  # saved one by one: each change in its history, with its author
            if person.responsible_staff_id != (staff.pk if staff else None):
                person.responsible_staff = staff
                person.save(update_fields=["responsible_staff"])
        return ngettext(
            "The responsible staff member of %(n)s person is set.",
            "The responsible staff member of %(n)s people is set.",
            len(locked),
        ) % {"n": len(locked)}
    left_on = form.cleaned_data["left_on"]
    ended = form.memberships(left_on).update(left_on=left_on)
    return ngettext(
        "%(n)s association membership ends on %(date)s.",
        "%(n)s association memberships end on %(date)s.",
        ended,
    ) % {"n": ended, "date": date_format(left_on)}

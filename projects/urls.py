from django.urls import path

from . import org_views, views

app_name = "projects"
urlpatterns = [
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:project_pk>/clusters/new/", views.cluster_create, name="cluster_create"),
    path("clusters/<int:pk>/edit/", views.cluster_edit, name="cluster_edit"),
    path("projects/<int:project_pk>/units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("organisations/", org_views.organisation_list, name="organisation_list"),
    path("organisations/new/", org_views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", org_views.organisation_detail, name="organisation"),
    path(
        "organisations/<int:pk>/people/new/",
        org_views.organisation_invite,
        name="organisation_invite",
    ),
    path("projects/<int:pk>/care/", org_views.care_partners, name="care_partners"),
    path(
        "projects/<int:pk>/care/<int:org_pk>/invite/",
        org_views.care_worker_invite,
        name="care_worker_invite",
    ),
    path("team/", views.team, name="team"),
    path("organisations/<int:pk>/invite/", views.member_invite, name="invite"),
]

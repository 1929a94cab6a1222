from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:project_pk>/clusters/new/", views.cluster_create, name="cluster_create"),
    path("clusters/<int:pk>/edit/", views.cluster_edit, name="cluster_edit"),
    path("projects/<int:project_pk>/units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("team/", views.team, name="team"),
    path("organisations/<int:pk>/invite/", views.member_invite, name="invite"),
]

from django.urls import path

from . import letter_views, lifecycle_views, people_views, retention_views, views
from .urls_csv import csv_urlpatterns

app_name = "residents"
urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("letters/", letter_views.letter_list, name="letter_list"),
    path(
        "letters/<int:pk>/<slug:kind>/<slug:language>/",
        letter_views.letter_edit,
        name="letter_edit",
    ),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/group-limits/", views.project_group_limits, name="group_limits"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/bulk/", people_views.people_bulk, name="people_bulk"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/login/", people_views.person_login_invite, name="login_invite"),
    path("people/<int:pk>/login/end/", people_views.person_login_revoke, name="login_revoke"),
    path("projects/<int:pk>/association/", people_views.project_association, name="association"),
    path("projects/<int:pk>/association/new/", people_views.membership_add, name="membership_add"),
    path("memberships/<int:pk>/end/", people_views.membership_end, name="membership_end"),
    path("people/<int:person_pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/sign/", views.contract_sign, name="contract_sign"),
    path("contracts/<int:pk>/notice/", lifecycle_views.notice_create, name="notice_create"),
    path("notices/<int:pk>/document/", lifecycle_views.notice_document, name="notice_document"),
    path("contracts/<int:pk>/summary/", lifecycle_views.contract_summary, name="contract_summary"),
    path("documents/<int:pk>/", lifecycle_views.contract_document, name="contract_document"),
    path("contracts/<int:pk>/missed-notice/", lifecycle_views.lapse_decide, name="lapse_decide"),
    path(
        "contracts/<int:pk>/check-ins/new/", lifecycle_views.checkin_create, name="checkin_create"
    ),
    path("contracts/<int:pk>/evaluate/", lifecycle_views.evaluate, name="evaluate"),
    path("people/<int:pk>/warnings/new/", lifecycle_views.warning_create, name="warning_create"),
    path("trajectories/", lifecycle_views.trajectory_list, name="trajectory_list"),
    path("trajectories/<int:pk>/", lifecycle_views.trajectory_detail, name="trajectory_detail"),
    path("retention/", retention_views.retention_page, name="retention"),
    path("retention/dry-run/", retention_views.retention_dry_run, name="retention_dry_run"),
    path("retention/run/", retention_views.retention_run, name="retention_run_real"),
    path("retention/runs/<int:pk>/", retention_views.retention_run_detail, name="retention_run"),
]
urlpatterns += csv_urlpatterns

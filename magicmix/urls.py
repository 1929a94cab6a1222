from django.contrib import admin
from django.urls import include, path

from . import audit_views, batch_views, views
from .dashboard import views as dashboard_views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/print/", dashboard_views.dashboard_print, name="dashboard_print"),
    path(
        "dashboard/definitions/",
        dashboard_views.dashboard_definitions,
        name="dashboard_definitions",
    ),
    path("dashboard/<slug:slug>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("notices/batch/", batch_views.batch_new, name="notice_batch_new"),
    path("notices/batches/<int:pk>/", batch_views.batch_detail, name="notice_batch"),
    path("notices/batches/<int:pk>/letters.pdf", batch_views.batch_file, name="notice_batch_file"),
    path("people/<int:pk>/access-file/", views.person_access_file, name="person_access_file"),
    path("reminders/", views.reminder_inbox, name="reminder_inbox"),
    path("reminders/<int:pk>/open/", views.reminder_open, name="reminder_open"),
    # Before allauth's own: its security-key removal would let the last factor go.
    path(
        "accounts/2fa/webauthn/keys/<int:pk>/remove/",
        views.remove_security_key,
        name="remove_security_key",
    ),
    path("accounts/", include("allauth.urls")),
    # Choosing a language must work before logging in too.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("projects.urls")),
    path("", include("residents.urls")),
    path("", include("allocation.urls")),
]

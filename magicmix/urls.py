from django.contrib import admin
from django.urls import include, path

from . import dashboard_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/<slug:slug>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("reminders/", views.reminder_inbox, name="reminder_inbox"),
    path("reminders/<int:pk>/open/", views.reminder_open, name="reminder_open"),
    path("accounts/", include("allauth.urls")),
    # Choosing a language must work before logging in too.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("projects.urls")),
    path("", include("residents.urls")),
    path("", include("allocation.urls")),
]

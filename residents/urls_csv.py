"""CSV import and export; appended to residents.urls, so the names are residents:<name>."""

from django.urls import path

from . import csv_views

csv_urlpatterns = [
    path("projects/<int:pk>/units.csv", csv_views.units_export, name="units_export"),
    path("projects/<int:pk>/units/import/", csv_views.units_import, name="units_import"),
    path(
        "projects/<int:pk>/people.csv",
        csv_views.project_people_export,
        name="project_people_export",
    ),
    path(
        "projects/<int:pk>/people/import/",
        csv_views.project_people_import,
        name="project_people_import",
    ),
    path(
        "projects/<int:pk>/units/template.csv",
        csv_views.units_template,
        name="units_template",
    ),
    path(
        "projects/<int:pk>/people/template.csv",
        csv_views.people_template,
        name="project_people_template",
    ),
    path("imports/<int:pk>/", csv_views.import_progress, name="csv_import"),
    path("people/export.csv", csv_views.people_export, name="people_export"),
]

from django.urls import path

from . import ballot_views, round_views, views

app_name = "allocation"
urlpatterns = [
    path("vacancies/", views.vacancy_list, name="vacancy_list"),
    path("vacancies/new/", views.vacancy_create, name="vacancy_create"),
    path("vacancies/<int:pk>/", views.vacancy_detail, name="vacancy_detail"),
    path("vacancies/<int:pk>/edit/", views.vacancy_edit, name="vacancy_edit"),
    path("vacancies/<int:pk>/withdraw/", views.vacancy_withdraw, name="vacancy_withdraw"),
    path(
        "vacancies/<int:pk>/candidates/<int:application_pk>/",
        views.candidate_choose,
        name="candidate_choose",
    ),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/answer/", views.offer_answer, name="offer_answer"),
    path("offers/<int:pk>/letter/", views.offer_letter, name="offer_letter"),
    path("offers/<int:pk>/letter.pdf", views.offer_letter_file, name="offer_letter_file"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
    path("candidates/", views.application_list, name="application_list"),
    path("candidates/new/", views.application_create, name="application_create"),
    path("candidates/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidates/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("projects/<int:pk>/allocation/", views.plan_list, name="plan_list"),
    path(
        "projects/<int:pk>/allocation/settings/",
        views.allocation_settings,
        name="allocation_settings",
    ),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    # The association's vote: staff pages
    path("projects/<int:pk>/votes/", round_views.round_list, name="round_list"),
    path("projects/<int:pk>/votes/settings/", round_views.vote_settings, name="vote_settings"),
    path("vacancies/<int:pk>/vote/", round_views.round_open, name="round_open"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/decide/", round_views.round_decide, name="round_decide"),
    path("rounds/<int:pk>/cancel/", round_views.round_cancel, name="round_cancel"),
    # ... and the voters' pages
    path("votes/", ballot_views.my_votes, name="my_votes"),
    path("votes/<int:pk>/", ballot_views.ballot, name="ballot"),
]

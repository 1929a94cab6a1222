"""Staff pages of the association's vote (placeholder: being written)."""

from django.http import Http404


def round_list(request, pk):
    raise Http404


def vote_settings(request, pk):
    raise Http404


def round_open(request, pk):
    raise Http404


def round_detail(request, pk):
    raise Http404


def round_decide(request, pk):
    raise Http404


def round_cancel(request, pk):
    raise Http404

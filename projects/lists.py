"""What every staff list shares: pages of rows and sorting by the columns.

A list view makes a `Sorting` from the request with the columns it can sort by (each a tuple
of order_by terms for the ascending order), applies it to its scoped QuerySet (or, for a list
computed in Python, to its rows), and pages the result with `page_of`. Both keep every other
parameter of the page (filters, search), so sorting and paging never lose a filter; the
templates are includes/sort_header.html and includes/pagination.html.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, OrderBy
from django.utils.translation import gettext_lazy as _

SORT_PARAM = "sort"


def page_of(request, items, size: int | None = None, param: str = "page") -> Page:
    """The page of `items` the request asks for (the last page for a number past the end), with
    `numbers`: the page numbers to link, the first and the last always among them."""
    page = Paginator(items, size or settings.PAGE_SIZE).get_page(request.GET.get(param))
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    page.numbers = list(numbers)
    return page


@dataclass(frozen=True)
class SortLink:
    url: str
    active: bool
    descending: bool

    @property
    def aria_sort(self) -> str:
        if not self.active:
            return "none"
        return "descending" if self.descending else "ascending"

    @property
    def next_label(self):
        return _("sort descending") if self.active and not self.descending else _("sort ascending")


class Sorting:
    """The sort order a list's request asks for: `?sort=name` or `?sort=-end` (descending)."""

    def __init__(self, request, columns: dict[str, tuple[str, ...]], default: str):
        self.request, self.columns = request, columns
        asked = request.GET.get(SORT_PARAM, default)
        key = asked.removeprefix("-")
        if key not in columns:
            asked, key = default, default.removeprefix("-")
        self.key, self.descending = key, asked.startswith("-")

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def order_by(self) -> list:
        """The order_by terms: empty values last in either direction, the pk to break ties."""
        terms = [
            OrderBy(F(name), descending=self.descending, nulls_last=True)
            for name in self.columns[self.key]
        ]
        return [*terms, OrderBy(F("pk"), descending=self.descending)]

    def apply(self, queryset):
        return queryset.order_by(*self.order_by())

    def sort_rows(self, rows: list, keys: dict) -> list:
        """Sort rows computed in Python; `keys[key]` gives a row's sort value (None last)."""
        get = keys[self.key]
        present = [row for row in rows if get(row) is not None]
        missing = [row for row in rows if get(row) is None]
        return sorted(present, key=get, reverse=self.descending) + missing

    @property
    def links(self) -> dict[str, SortLink]:
        """Per column, the URL that sorts by it (the other way round when it is the order now),
        with the page's other parameters kept and the page number dropped."""
        links = {}
        for key in self.columns:
            active = key == self.key
            query = self.request.GET.copy()
            query.pop("page", None)
            query[SORT_PARAM] = key if not active or self.descending else f"-{key}"
            links[key] = SortLink(
                url=f"?{query.urlencode()}", active=active, descending=active and self.descending
            )
        return links

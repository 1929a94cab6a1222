"""Finding people as staff expect: first and last name in any order, with or without the list's
comma ("Hofman, Noor"), accents and case ignored ("aydin" finds Aydın, "muller" Müller), the
ERP reference, the e-mail, the phone and the number of the unit someone lives in or will.

Every word of the query must match. On PostgreSQL the words are matched against one folded text
per person (`mm_fold`: unaccent and lower case, an IMMUTABLE SQL function made by migration
residents/0009) with a trigram GIN index, and results are ordered by trigram similarity of the
name; when nothing matches, names that look alike are offered (typos: "Hofmann"). On SQLite
(the demo) `mm_fold` is a Python function registered on each connection, and the order is by
name.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db.models import CharField, F, FloatField, Func, Q, QuerySet, Value

# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe"}
)
_WORDS = re.compile(r"[^\s,;]+")
# Below this many characters a word cannot use the trigram index; it still has to match.
SIMILAR_MIN = 3
SIMILAR_THRESHOLD = 0.45


def fold(text: str | None) -> str | None:
    """Lower case without accents: the Python twin of the database's `mm_fold`."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LETTERS)


def words(query: str) -> list[str]:
    """The query's words, folded; commas and semicolons separate like spaces."""
    return [w for w in (fold(m) for m in _WORDS.findall(query or "")) if w]


class Fold(Func):
    function = "mm_fold"
    output_field = CharField()


class SearchText(Func):
    """One folded text per person: `Person.search_text`, a stored generated column that the
    trigram index of migration 0009 holds."""

    template = "mm_fold(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = CharField()

    def __init__(self, prefix: str = ""):
        fields = ("first_name", "last_name", "reference", "email", "phone")
        super().__init__(*(F(prefix + name) for name in fields))


class Similarity(Func):
    """pg_trgm's word_similarity(query, text): how well the query matches part of the text."""

    function = "word_similarity"
    output_field = FloatField()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created: give SQLite the `mm_fold` PostgreSQL gets from the migration."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("mm_fold", 1, fold, deterministic=True)


def _unit_matches(word: str, today) -> list[int]:
    """Persons with a contract on a unit numbered `word` that holds today or later (a draft, an
    upcoming or a current contract; not one that has ended). The caller's scoped QuerySet is
    narrowed by these ids, so another corporation's tenants never come through."""
    from projects.models import Unit

    from .models import Contract

    units = list(Unit.objects.filter(number__iexact=word).order_by().values_list("pk", flat=True))
    if not units:  # most words are names: one indexed look-up (projects' unit_number_upper)
        return []
    return list(
        Contract.objects.holding(today)
        .filter(unit__in=units)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class Found:
    people: QuerySet
    similar: bool = False  # nothing matched every word: these are names that look alike


def person_search(queryset: QuerySet, query: str, *, today=None) -> Found:
    """`queryset` (already scoped to the user) narrowed to the persons matching every word of
    `query`, best match first; when nothing matches, on PostgreSQL, the names that look alike."""
    from django.utils import timezone

    today = today or timezone.localdate()
    terms = words(query)
    if not terms:
        return Found(queryset)
    found, by_unit = queryset, False
    for word in terms:
        match = Q(search_text__contains=word)
        unit_ids = _unit_matches(word, today)
        if unit_ids:
            match |= Q(pk__in=unit_ids)
            by_unit = True
        found = found.filter(match)
    postgres = default_connection.vendor == "postgresql"
    if not postgres:
        return Found(found.order_by("last_name", "first_name", "pk"))
    folded = Value(" ".join(terms))
    ranked = found.annotate(match=Similarity(folded, F("search_text"))).order_by(
        "-match", "last_name", "first_name", "pk"
    )
    # Names that look alike only for a query that is no unit number and matched nobody.
    if by_unit or len(" ".join(terms)) < SIMILAR_MIN or ranked.exists():
        return Found(ranked)
    similar = (
        queryset.annotate(match=Similarity(folded, F("search_text")))
        .filter(search_text__trigram_word_similar=" ".join(terms), match__gte=SIMILAR_THRESHOLD)
        .order_by("-match", "last_name", "first_name", "pk")
    )
    return Found(similar, similar=True)

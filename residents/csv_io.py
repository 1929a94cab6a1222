"""CSV import and export of a project's units and of persons with their contracts.

The column reference for users is docs/csv.md (and `column_reference`, shown on the import page).

An import is all-or-nothing. Inside one transaction every row is validated with the models'
full_clean() and saved in file order, so that a later row is checked against what earlier rows
added (two contracts in one file may overlap each other); every problem is collected, and if there
is any the transaction is rolled back at the end. Exports write UTF-8 with a BOM and `;`, which
Dutch Excel opens directly, and what an export writes an import reads back unchanged.
"""

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from projects.models import (
    Cluster,
    ClusterKind,
    Organisation,
    OrganisationKind,
    Project,
    Unit,
    UnitKind,
)

from .models import (
    Contract,
    ContractState,
    ContractStatus,
    ContractType,
    EndReason,
    Language,
    Outflow,
    Person,
    ResidentRole,
    TargetGroup,
)

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 5 * 1024 * 1024
DELIMITER = ";"
BOOLEAN_TRUE = {"ja", "j", "yes", "y", "1", "true", "waar"}
BOOLEAN_FALSE = {"nee", "n", "no", "0", "false", "onwaar"}
# Header names refused outright (compared without case, spaces, dots, dashes and underscores).
CITIZEN_NUMBER_COLUMNS = {"bsn", "bsnnummer", "burgerservicenummer", "sofinummer"}
# Excel runs a cell that starts with one of these as a formula; export puts a ' before it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

UNIT_COLUMNS = (
    "number",
    "cluster",
    "kind",
    "floor_area",
    "rent",
    "max_household",
    "wheelchair_accessible",
)
UNIT_REQUIRED = ("number", "kind", "floor_area", "rent")

PERSON_COLUMNS = (
    "reference",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_language",
    "target_group",
    "role",
    "care_organisation",
    "care_contact_name",
    "household_size",
    "needs_accessible",
    "contribution_hours",
    "share_profile_consent",
)
PERSON_REQUIRED = ("first_name", "last_name", "target_group", "role")
CONTRACT_COLUMNS = (
    "unit",
    "contract_type",
    "start_date",
    "end_date",
    "status",
    "holder_organisation",
    "end_reason",
    "outflow",
)
CONTRACT_REQUIRED = ("unit", "contract_type", "start_date", "status")
# Written by the people-list export, whose rows may come from several projects; an import checks
# it so that a row of another project never lands on a unit with the same number here.
PROJECT_COLUMN = "project"
# Written by both exports, last: the contract's state on the day of the export (ContractState:
# draft, upcoming, active, ending, open_ended, ended). It follows from the other columns and the
# date, so an import accepts the column and ignores it.
STATE_COLUMN = "state"
PROJECT_PERSON_COLUMNS = PERSON_COLUMNS + CONTRACT_COLUMNS + (STATE_COLUMN,)
PEOPLE_COLUMNS = PERSON_COLUMNS + CONTRACT_COLUMNS + (PROJECT_COLUMN, STATE_COLUMN)


# Foreign keys the import sets only to objects it has looked up itself (the project's corporation,
# clusters and units, target groups, contract types, care organisations, the person saved by the
# row). Their full_clean() check would ask the database once a row whether that object exists; the
# models' clean() and the other fields are still checked. A unit keeps its project checked: the
# constraint on (project, number) needs it.
RESOLVED_FOREIGN_KEYS = [
    "corporation",
    "cluster",
    "target_group",
    "care_organisation",
    "person",
    "unit",
    "contract_type",
    "holder_organisation",
]
# Persons and contracts also skip validate_constraints(), which costs a savepoint and a query per
# constraint per row: the one person constraint (one reference per corporation) holds because
# every reference in the file is looked up first and its rows all go to that one person, and the
# one contract constraint (end on or after start) is checked by Contract.clean() as well. The
# database still enforces both; a violation is reported as a database error and rolls back.


# Results


@dataclass
class RowError:
    row: int  # as Excel numbers it: the header is row 1
    column: str  # empty when the problem is not one column's
    message: str


@dataclass
class ImportResult:
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    summary: str = ""
    failed_rows: set[int] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def bad_row_count(self) -> int:
        return len({error.row for error in self.errors})

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, str(message)))
        self.failed_rows.add(row)

    def add_validation_error(
        self, row: int, error: ValidationError, columns: Iterable[str], *, rename=None
    ) -> None:
        """A model's ValidationError, each message under its column (else under none)."""
        known, rename = set(columns), rename or {}
        for name, messages in error.message_dict.items():
            column = rename.get(name, name)
            for message in messages:
                self.add(row, column if column in known else "", message)

    def row_failed(self, row: int) -> bool:
        return row in self.failed_rows


# Reading: one reader for both formats


class CsvFileError(Exception):
    """The file as a whole cannot be read; each message says why."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = [str(message) for message in messages]


@dataclass(frozen=True)
class CsvRow:
    number: int  # as Excel numbers it: the header is row 1
    cells: dict[str, str]  # the columns the header has, values stripped


# The columns each import reads and those it requires, for the importers below and for the
# upload page's check of the file as a whole (csv_jobs.check_file).
FILE_COLUMNS = {
    "units": {"columns": UNIT_COLUMNS, "required": UNIT_REQUIRED},
    "people": {"columns": PEOPLE_COLUMNS, "required": PERSON_REQUIRED + CONTRACT_REQUIRED},
}


# Files that are something else than text, by their first bytes, with what to do instead.
_SAVE_AS = gettext_lazy(
    "In Excel, choose Save as, file type “CSV UTF-8 (comma delimited) (*.csv)”, and upload "
    "that file."
)
NOT_CSV = [
    (
        b"PK\x03\x04",
        format_lazy(
            "{} {}",
            gettext_lazy("This is an Excel workbook (or another zip file), not a CSV file."),
            _SAVE_AS,
        ),
    ),
    (
        b"\xd0\xcf\x11\xe0",
        format_lazy(
            "{} {}", gettext_lazy("This is an old Excel workbook (.xls), not a CSV file."), _SAVE_AS
        ),
    ),
    (b"%PDF", gettext_lazy("This is a PDF document, not a CSV file.")),
]


def read_csv(
    file, *, columns: Sequence[str], required: Iterable[str], result: ImportResult
) -> list[CsvRow]:
    """The file's data rows; a row-level problem (too many cells) goes into `result`.

    Accepts UTF-8 with or without a BOM, `;` or `,` as separator (whichever the header line has
    more of); raises CsvFileError for a file that cannot be imported at all.
    """
    size = getattr(file, "size", None) or 0
    data = file.read(MAX_FILE_SIZE + 1)
    if max(size, len(data)) > MAX_FILE_SIZE:
        raise CsvFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_FILE_SIZE // (1024 * 1024)}
        )
    for signature, message in NOT_CSV:
        if data.startswith(signature):
            raise CsvFileError(message)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:  # NUL characters: UTF-16, or not a text file at all
        raise CsvFileError(
            _(
                "The file is not in UTF-8. In Excel, choose Save as, file type "
                "“CSV UTF-8 (comma delimited) (*.csv)”, and upload that file."
            )
        )
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        _check_header(header, columns, required)
        rows = []
        # A quoted cell may hold a line break; Excel still shows that record as one row.
        for number, cells in enumerate(reader, start=2):
            values = [cell.strip() for cell in cells]
            if not any(values):
                continue
            unnamed = [v for i, v in enumerate(values) if i >= len(header) or not header[i]]
            if any(unnamed):
                result.add(number, "", _("This row has more values than the header has columns."))
            # A row shorter than the header has its last cells empty.
            named = {
                name: values[i] if i < len(values) else "" for i, name in enumerate(header) if name
            }
            rows.append(CsvRow(number, named))
    except csv.Error as error:
        raise CsvFileError(
            _(
                'The file is not valid CSV: check the quotation marks (") on line %(line)s '
                "or the line before it."
            )
            % {"line": reader.line_num}
        ) from error
    if not rows:
        raise CsvFileError(_("The file has a header but no rows to import."))
    return rows


def _check_header(header: list[str], columns: Sequence[str], required: Iterable[str]) -> None:
    problems = []
    for name in header:
        if re.sub(r"[\s._-]", "", name) in CITIZEN_NUMBER_COLUMNS:
            raise CsvFileError(
                _(
                    "The file has a column “%(name)s”. Magic Mix does not store citizen service "
                    "numbers (BSN): remove that column from the file and upload it again."
                )
                % {"name": name}
            )
    if "notes" in header:
        problems.append(
            _(
                "The column “notes” cannot be imported: notes are free text that may hold "
                "sensitive remarks, so they are never imported or exported. Remove the column."
            )
        )
    names = [name for name in header if name]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(
            _("These columns appear twice: %(names)s.") % {"names": ", ".join(duplicates)}
        )
    unknown = [name for name in names if name not in columns and name != "notes"]
    if unknown:
        problems.append(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(columns)}
        )
    missing = [name for name in required if name not in names]
    if missing:
        problems.append(
            _("Required columns are missing: %(names)s. The header must be the first line.")
            % {"names": ", ".join(missing)}
        )
    if problems:
        raise CsvFileError(*problems)


# Parsing cells: each parser takes a stripped, non-empty string or raises CellError.


class CellError(Exception):
    pass


def parse_text(value: str) -> str:
    """Undo the export's guard against formulas ('=1+1 is read as =1+1)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def parse_date(value: str) -> dt.date:
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise CellError(
            _("“%(value)s” is not a date: write YYYY-MM-DD or DD-MM-YYYY.") % {"value": value}
        )
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("“%(value)s” is not an existing date.") % {"value": value}) from None


_DECIMAL = re.compile(r"\d{1,12}(?:[.,]\d{1,6})?")


def parse_decimal(value: str) -> Decimal:
    if value.startswith("-") and _DECIMAL.fullmatch(value[1:]):
        raise CellError(_("“%(value)s” is below zero; give 0 or more.") % {"value": value})
    if not _DECIMAL.fullmatch(value):
        raise CellError(
            _(
                "“%(value)s” is not a number: write e.g. 18,5 or 18.5, without thousands "
                "separators or a currency sign."
            )
            % {"value": value}
        )
    return Decimal(value.replace(",", "."))


def parse_int(value: str) -> int:
    if not re.fullmatch(r"\d{1,9}", value):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    return int(value)


def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in BOOLEAN_TRUE:
        return True
    if lowered in BOOLEAN_FALSE:
        return False
    raise CellError(
        _("“%(value)s” is not yes or no: write ja, nee, waar, onwaar, yes, no, 1 or 0.")
        % {"value": value}
    )


def choice_parser(choices: type[models.TextChoices]) -> Callable[[str], str]:
    """Read a choice by its code ("room") or by the word the pages show in Dutch or English."""
    words: dict[str, str] = {}
    for language in ("en", "nl"):
        with translation.override(language):
            for value, label in choices.choices:
                words.setdefault(str(label).lower(), value)
                # "Vragend (support-needing)" is also read as "vragend".
                words.setdefault(str(label).split(" (")[0].strip().lower(), value)
    for value in choices.values:
        words[value] = value

    def parse(value: str) -> str:
        found = words.get(" ".join(value.lower().split()))
        if found is not None:
            return found
        allowed = ", ".join(
            str(label).lower() if str(label).lower() == code else f"{str(label).lower()} ({code})"
            for code, label in choices.choices
        )
        raise CellError(
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed}
        )

    return parse


def lookup_parser(
    objects: Iterable, key: Callable[[Any], str], message: str, **params: str
) -> Callable[[str], Any]:
    """Find an object by its code or name: the exact spelling first, else ignoring case.

    `message` is formatted with the cell's `value` and `params`.
    """
    by_key = _keyed(list(objects), key)

    def parse(value: str) -> Any:
        found = _find(by_key, value)
        if found is None:
            raise CellError(message % {"value": value, **params})
        return found

    return parse


def _find(by_key: dict[str, Any], value: str) -> Any:
    return by_key.get(value) or by_key.get(value.casefold())


def _keyed(objects: list, key: Callable[[Any], str]) -> dict[str, Any]:
    """By exact key and by folded key (the exact spelling wins where two differ only in case)."""
    result: dict[str, Any] = {}
    for obj in objects:
        result.setdefault(key(obj).casefold(), obj)
    for obj in objects:
        result[key(obj)] = obj
    return result


@dataclass(frozen=True)
class Cell:
    """How one column's value is read: `parse` for a filled cell, `empty` for an empty one."""

    parse: Callable[[str], Any]
    empty: Any = None


def parse_row(
    row: CsvRow, cells: dict[str, Cell], required: Iterable[str], result: ImportResult
) -> dict[str, Any]:
    """Column -> value for the columns the file has; a column the file lacks is left out, so an
    update leaves that field as it is."""
    values = {}
    required = set(required)
    for column, cell in cells.items():
        if column not in row.cells:
            continue
        raw = row.cells[column]
        if not raw:
            if column in required:
                result.add(row.number, column, _("This value is required."))
            else:
                values[column] = cell.empty
            continue
        try:
            values[column] = cell.parse(raw)
        except CellError as error:
            result.add(row.number, column, str(error))
    return values


def _snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in names}


def _database_error(result: ImportResult, row: int, error: DatabaseError) -> None:
    logger.warning("CSV import: database error on row %s", row, exc_info=error)
    detail = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    result.add(
        row,
        "",
        _("The database refused to save this row (%(detail)s); the import stopped here.")
        % {"detail": detail},
    )


# Units of a project


def _unit_cells() -> dict[str, Cell]:
    return {
        "number": Cell(parse_text),
        "cluster": Cell(parse_text, ""),
        "kind": Cell(choice_parser(UnitKind)),
        "floor_area": Cell(parse_decimal),
        "rent": Cell(parse_decimal),
        "max_household": Cell(parse_int, 1),
        "wheelchair_accessible": Cell(parse_bool, False),
    }


# How often an import reports how far it is (residents.csv_jobs shows it on the progress page).
PROGRESS_EVERY = 250

Progress = Callable[[int, int], None]  # (rows checked, rows saved so far)


def _report(progress: Progress | None, index: int, result: ImportResult) -> None:
    if progress is not None and index % PROGRESS_EVERY == 0:
        progress(index, index - len(result.failed_rows))


def units_import(*, project: Project, file, progress: Progress | None = None) -> ImportResult:
    """Create or update the project's units from a CSV file, matched by unit number."""
    result = ImportResult()
    try:
        rows = read_csv(file, **FILE_COLUMNS["units"], result=result)
    except CsvFileError as error:
        result.file_errors = error.messages
        return result
    units = _keyed(list(project.units.all()), lambda u: u.number)
    clusters = _keyed(list(project.clusters.all()), lambda c: c.name)
    cells = _unit_cells()
    number_rows: dict[str, int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new_clusters: list[str] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            _report(progress, index, result)
            values = parse_row(row, cells, UNIT_REQUIRED, result)
            if number := values.get("number"):
                first = number_rows.setdefault(number.casefold(), row.number)
                if first != row.number:
                    result.add(
                        row.number,
                        "number",
                        _("Unit %(number)s is on row %(row)s already.")
                        % {"number": number, "row": first},
                    )
            if result.row_failed(row.number):
                continue
            try:
                name = values.pop("cluster", None)
                if name and _find(clusters, name) is None:
                    cluster = Cluster(project=project, name=name, kind=ClusterKind.CORRIDOR)
                    try:
                        cluster.full_clean()
                    except ValidationError as error:
                        result.add_validation_error(
                            row.number, error, UNIT_COLUMNS, rename={"name": "cluster"}
                        )
                        continue
                    cluster.save()
                    clusters[name] = clusters[name.casefold()] = cluster
                    new_clusters.append(name)
                if name is not None:  # an empty cell takes the unit out of its cluster
                    values["cluster"] = _find(clusters, name) if name else None
                outcome = _unit_upsert(
                    row=row,
                    unit=_find(units, number) or Unit(project=project),
                    values=values,
                    result=result,
                )
            except DatabaseError as error:
                _database_error(result, row.number, error)
                break
            if outcome:
                counts[outcome] += 1
        if result.errors:
            transaction.set_rollback(True)
            return result
    total = sum(counts.values())
    summary = ngettext(
        "Imported %(total)s unit: %(created)s created, %(updated)s updated, "
        "%(unchanged)s unchanged.",
        "Imported %(total)s units: %(created)s created, %(updated)s updated, "
        "%(unchanged)s unchanged.",
        total,
    ) % {"total": total, **counts}
    if new_clusters:
        summary += " " + ngettext(
            "Created the cluster %(names)s.", "Created the clusters %(names)s.", len(new_clusters)
        ) % {"names": ", ".join(new_clusters)}
    result.summary = summary
    return result


def _unit_upsert(*, row: CsvRow, unit: Unit, values: dict[str, Any], result: ImportResult) -> str:
    """'created', 'updated' or 'unchanged'; '' with the errors added to `result`."""
    is_new = unit.pk is None
    before = None if is_new else _snapshot(unit, UNIT_COLUMNS)
    for name, value in values.items():
        setattr(unit, name, value)
    if before is not None and _snapshot(unit, UNIT_COLUMNS) == before:
        return "unchanged"
    try:
        unit.full_clean(exclude=RESOLVED_FOREIGN_KEYS)
    except ValidationError as error:
        result.add_validation_error(row.number, error, UNIT_COLUMNS)
        return ""
    unit.save()
    return "created" if is_new else "updated"


# Persons with their contracts


def _person_cells(project: Project) -> dict[str, Cell]:
    care = list(Organisation.objects.filter(kind=OrganisationKind.CARE))
    no_care = _("There is no care organisation named “%(value)s”.")
    return {
        "reference": Cell(parse_text, ""),
        "first_name": Cell(parse_text),
        "last_name": Cell(parse_text),
        "date_of_birth": Cell(parse_date),
        "email": Cell(parse_text, ""),
        "phone": Cell(parse_text, ""),
        "preferred_language": Cell(choice_parser(Language), Language.NL.value),
        "target_group": Cell(
            lookup_parser(
                TargetGroup.objects.all(),
                lambda g: g.code,
                _("“%(value)s” is not a target group code."),
            )
        ),
        "role": Cell(choice_parser(ResidentRole)),
        "care_organisation": Cell(lookup_parser(care, lambda o: o.name, no_care)),
        "care_contact_name": Cell(parse_text, ""),
        "household_size": Cell(parse_int, 1),
        "needs_accessible": Cell(parse_bool, False),
        "contribution_hours": Cell(parse_int),
        "share_profile_consent": Cell(parse_bool, False),
        "unit": Cell(
            lookup_parser(
                project.units.all(),
                lambda u: u.number,
                _("The project %(project)s has no unit “%(value)s”."),
                project=project.name,
            )
        ),
        "contract_type": Cell(
            lookup_parser(
                # Contract.clean reads allowed_groups: prefetched once, not once a row.
                ContractType.objects.prefetch_related("allowed_groups"),
                lambda t: t.code,
                _("“%(value)s” is not a contract type code."),
            )
        ),
        "start_date": Cell(parse_date),
        "end_date": Cell(parse_date),
        "status": Cell(choice_parser(ContractStatus)),
        "holder_organisation": Cell(lookup_parser(care, lambda o: o.name, no_care)),
        "end_reason": Cell(choice_parser(EndReason), ""),
        "outflow": Cell(choice_parser(Outflow), ""),
        PROJECT_COLUMN: Cell(parse_text, ""),
    }


@dataclass
class _PersonRows:
    """What the import knows about persons while it goes through the file."""

    corporation: Organisation
    by_reference: dict[str, Person]  # in the database, or saved by an earlier row
    first_row: dict[str, tuple[int, dict[str, Any], Person | None]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def persons_import(*, project: Project, file, progress: Progress | None = None) -> ImportResult:
    """Create or update persons (matched by reference) and their contracts in the project
    (matched by person, unit and start date)."""
    result = ImportResult()
    try:
        rows = read_csv(file, **FILE_COLUMNS["people"], result=result)
    except CsvFileError as error:
        result.file_errors = error.messages
        return result
    cells = _person_cells(project)
    references = sorted({parse_text(row.cells.get("reference", "")) for row in rows} - {""})
    persons = _PersonRows(
        corporation=project.corporation,
        by_reference={
            p.reference: p
            for chunk in range(0, len(references), 5000)
            for p in Person.objects.filter(
                corporation=project.corporation,
                reference__in=references[chunk : chunk + 5000],
            )
        },
    )
    contracts = {
        (c.person_id, c.unit_id, c.start_date): c
        for c in Contract.objects.filter(unit__project=project)
    }
    contract_rows: dict[tuple, int] = {}
    # Units with a contract (in the database, or from an earlier row): only their contracts can
    # overlap another, so only they need the overlap query of Contract.clean.
    taken_units = {unit_id for _person, unit_id, _start in contracts}
    with transaction.atomic():
        for index, row in enumerate(rows):
            _report(progress, index, result)
            has_contract = any(row.cells.get(column) for column in CONTRACT_COLUMNS)
            errors_before = len(result.errors)
            values = parse_row(
                row,
                cells,
                PERSON_REQUIRED + (CONTRACT_REQUIRED if has_contract else ()),
                result,
            )
            other_project = values.pop(PROJECT_COLUMN, "")
            if has_contract and other_project.casefold() not in ("", project.name.casefold()):
                result.add(
                    row.number,
                    PROJECT_COLUMN,
                    _("This contract is in the project %(other)s, not in %(project)s.")
                    % {"other": other_project, "project": project.name},
                )
            person_failed = any(e.column in PERSON_COLUMNS for e in result.errors[errors_before:])
            try:
                person = _person_upsert(
                    row=row,
                    values={k: v for k, v in values.items() if k in PERSON_COLUMNS},
                    failed=person_failed,
                    persons=persons,
                    result=result,
                )
                if person is None or not has_contract or result.row_failed(row.number):
                    continue
                contract_values = {k: v for k, v in values.items() if k in CONTRACT_COLUMNS}
                key = (person.pk, contract_values["unit"].pk, contract_values["start_date"])
                if key in contract_rows:
                    result.add(
                        row.number,
                        "start_date",
                        _(
                            "Row %(row)s has this contract already (the same person, unit and "
                            "start date)."
                        )
                        % {"row": contract_rows[key]},
                    )
                    continue
                contract_rows[key] = row.number
                outcome = _contract_upsert(
                    row=row,
                    contract=contracts.get(key),
                    person=person,
                    values=contract_values,
                    result=result,
                    unit_free=contract_values["unit"].pk not in taken_units,
                )
                taken_units.add(contract_values["unit"].pk)
                if outcome:
                    persons.count(f"contracts_{outcome}")
            except DatabaseError as error:
                _database_error(result, row.number, error)
                break
        if result.errors:
            transaction.set_rollback(True)
            return result
    result.summary = _persons_summary(len(rows), persons.counts)
    return result


def _person_upsert(
    *,
    row: CsvRow,
    values: dict[str, Any],
    failed: bool,
    persons: _PersonRows,
    result: ImportResult,
) -> Person | None:
    """The row's person, created or updated on the first row of its reference; None if the
    person part of the row (or of that first row) has errors.

    A later row of the same reference must repeat exactly the same person columns.
    """
    reference = values.get("reference", "")
    if reference and reference in persons.first_row:
        first_row, first_values, person = persons.first_row[reference]
        if person is None:
            result.add(
                row.number,
                "reference",
                _("The person %(reference)s could not be imported: see row %(row)s.")
                % {"reference": reference, "row": first_row},
            )
            return None
        if failed:
            return None
        for column in PERSON_COLUMNS:
            if values.get(column) != first_values.get(column):
                result.add(
                    row.number,
                    column,
                    _(
                        "Row %(row)s has the same person (reference %(reference)s) with another "
                        "value here; give the same person details on every row."
                    )
                    % {"row": first_row, "reference": reference},
                )
        return person
    person = None
    if not failed:
        person = persons.by_reference.get(reference) if reference else None
        is_new = person is None
        if is_new:
            person = Person(corporation=persons.corporation)
        before = None if is_new else _snapshot(person, PERSON_COLUMNS)
        for name, value in values.items():
            setattr(person, name, value)
        if before is not None and _snapshot(person, PERSON_COLUMNS) == before:
            persons.count("persons_unchanged")
        else:
            try:
                person.full_clean(exclude=RESOLVED_FOREIGN_KEYS, validate_constraints=False)
            except ValidationError as error:
                result.add_validation_error(row.number, error, PERSON_COLUMNS)
                person = None
            else:
                person.save()
                persons.count("persons_created" if is_new else "persons_updated")
    if reference:
        persons.first_row[reference] = (row.number, values, person)
        if person is not None:
            persons.by_reference[reference] = person
    return person


def _contract_upsert(
    *,
    row: CsvRow,
    contract: Contract | None,
    person: Person,
    values: dict[str, Any],
    result: ImportResult,
    unit_free: bool = False,
) -> str:
    """'created', 'updated' or 'unchanged'; '' with the errors added to `result`."""
    is_new = contract is None
    if is_new:
        contract = Contract(person=person, unit=values["unit"], start_date=values["start_date"])
        contract.unit_has_no_other_contract = unit_free
    else:
        contract.person, contract.unit = person, values["unit"]  # loaded: no query in clean()
    names = [name for name in CONTRACT_COLUMNS if name in values]
    before = None if is_new else _snapshot(contract, names)
    for name in names:
        setattr(contract, name, values[name])
    if contract.contract_type.is_omklap and not contract.guidance_months:
        contract.guidance_months = contract.contract_type.guidance_months  # as ContractForm does
    if before is not None:
        if _snapshot(contract, names) == before:
            return "unchanged"
        if before["status"] == ContractStatus.ENDED:
            result.add(row.number, "status", _("An ended contract can no longer be changed."))
            return ""
    try:
        contract.full_clean(exclude=RESOLVED_FOREIGN_KEYS, validate_constraints=False)
    except ValidationError as error:
        result.add_validation_error(row.number, error, CONTRACT_COLUMNS)
        return ""
    contract.save()
    return "created" if is_new else "updated"


COUNTS = [
    f"{thing}_{outcome}"
    for thing in ("persons", "contracts")
    for outcome in ("created", "updated", "unchanged")
]


def _persons_summary(rows: int, counts: dict[str, int]) -> str:
    return (
        ngettext("Imported %(rows)s row.", "Imported %(rows)s rows.", rows) % {"rows": rows}
        + " "
        + _(
            "Persons: %(persons_created)s created, %(persons_updated)s updated, "
            "%(persons_unchanged)s unchanged. Contracts: %(contracts_created)s created, "
            "%(contracts_updated)s updated, %(contracts_unchanged)s unchanged."
        )
        % {name: counts.get(name, 0) for name in COUNTS}
    )


# Export


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")  # a decimal comma, as Dutch Excel reads numbers
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def units_export(*, project: Project) -> str:
    units = project.units.select_related("cluster").order_by("number", "pk")
    return _write(
        UNIT_COLUMNS,
        (
            [
                unit.number,
                unit.cluster.name if unit.cluster else "",
                unit.kind,
                unit.floor_area,
                unit.rent,
                unit.max_household,
                unit.wheelchair_accessible,
            ]
            for unit in units
        ),
    )


def units_template(*, project: Project) -> str:
    """The header and one example row, in the words the pages show; a number the project does
    not have, so that importing the file unchanged never overwrites a unit."""
    taken = {number.lower() for number in project.units.values_list("number", flat=True)}
    number = next(f"A{n:02d}" for n in range(1, 10_000) if f"a{n:02d}" not in taken)
    return _write(
        UNIT_COLUMNS,
        [
            [
                number,
                "",
                str(UnitKind.ROOM.label).lower(),
                Decimal("18.0"),
                Decimal("455.00"),
                1,
                False,
            ]
        ],
    )


def persons_template(*, project: Project) -> str:
    """The header and one example row: a person with a draft contract on one of the project's
    units, with a target group and a contract type that exist."""
    unit = project.units.order_by("number").values_list("number", flat=True).first() or "A01"
    group = TargetGroup.objects.order_by("code").values_list("code", flat=True).first() or ""
    # An open-ended type without age or group rules, so that the example row imports as it is.
    types = ContractType.objects.order_by("order", "code").values_list("code", flat=True)
    plain = types.filter(
        fixed_term=False, is_omklap=False, allowed_groups=None, min_age=None, max_age=None
    )
    kind = plain.first() or types.first() or ""
    today = timezone.localdate()
    example = {
        "reference": "R-0001",
        "first_name": "Sanne",
        "last_name": "de Vries",
        "date_of_birth": dt.date(2001, 3, 15),
        "preferred_language": Language.NL.value,
        "target_group": group,
        "role": ResidentRole.DRAGEND.value,
        "household_size": 1,
        "needs_accessible": False,
        "share_profile_consent": False,
        "unit": unit,
        "contract_type": kind,
        "start_date": today.replace(day=1),
        "status": ContractStatus.DRAFT.value,
    }
    columns = PERSON_COLUMNS + CONTRACT_COLUMNS
    return _write(columns, [[example.get(column, "") for column in columns]])


def _person_cells_out(person: Person) -> list[Any]:
    return [
        person.reference,
        person.first_name,
        person.last_name,
        person.date_of_birth,
        person.email,
        person.phone,
        person.preferred_language,
        person.target_group.code,
        person.role,
        person.care_organisation.name if person.care_organisation else "",
        person.care_contact_name,
        person.household_size,
        person.needs_accessible,
        person.contribution_hours,
        person.share_profile_consent,
    ]


def _contract_cells_out(contract: Contract | None) -> list[Any]:
    """The contract columns; `contract` comes with its state (ContractQuerySet.with_state)."""
    if contract is None:
        return [""] * len(CONTRACT_COLUMNS)
    return [
        contract.unit.number,
        contract.contract_type.code,
        contract.start_date,
        contract.end_date,
        contract.status,
        contract.holder_organisation.name if contract.holder_organisation else "",
        contract.end_reason,
        contract.outflow,
    ]


def project_persons_export(*, project: Project) -> str:
    """Every contract in the project, one row each, with its person (never their notes)."""
    contracts = (
        Contract.objects.filter(unit__project=project)
        .select_related(
            "person__target_group",
            "person__care_organisation",
            "unit",
            "contract_type",
            "holder_organisation",
        )
        .with_state()
        .order_by("person__last_name", "person__first_name", "person_id", "start_date", "pk")
    )
    return _write(
        PROJECT_PERSON_COLUMNS,
        (_person_cells_out(c.person) + _contract_cells_out(c) + [c.state] for c in contracts),
    )


def persons_export(*, people: models.QuerySet, user, on: dt.date | None = None) -> str:
    """Each person of `people` (already scoped and filtered) once per contract in force on `on`
    (today by default), or once with empty contract columns if none."""
    on = on or timezone.localdate()
    contracts: dict[int, list[Contract]] = {}
    in_force = (
        Contract.objects.for_user(user)
        .in_force(on)
        .filter(person__in=people.values("pk"))
        .select_related("unit__project", "contract_type", "holder_organisation")
        .with_state(on)
        .order_by("start_date", "pk")
    )
    for contract in in_force:
        contracts.setdefault(contract.person_id, []).append(contract)

    def rows():
        for person in people.select_related("target_group", "care_organisation"):
            for contract in contracts.get(person.pk) or [None]:
                project = contract.unit.project.name if contract else ""
                state = contract.state if contract else ""
                yield _person_cells_out(person) + _contract_cells_out(contract) + [project, state]

    return _write(PEOPLE_COLUMNS, rows())


# The column reference shown on the import pages (docs/csv.md says the same at more length)

REQUIRED = gettext_lazy("required")
OPTIONAL = gettext_lazy("optional")
FOR_CONTRACT = gettext_lazy("required for a contract")
DATE = gettext_lazy("a date: YYYY-MM-DD or DD-MM-YYYY")
BOOLEAN = gettext_lazy("ja/nee, yes/no, waar/onwaar, 1/0 or true/false; empty is no")


@dataclass(frozen=True)
class Column:
    name: str
    required: str
    description: str
    values: Callable[[], list[str]] | None = None


def _words(choices: type[models.TextChoices]) -> Callable[[], list[str]]:
    """The codes with the word the pages show beside them: "room (kamer)"; an import reads both."""

    def words() -> list[str]:
        return [
            code if str(label).lower() == code else f"{code} ({str(label).lower()})"
            for code, label in choices.choices
        ]

    return words


def _codes(model) -> Callable[[], list[str]]:
    return lambda: list(model.objects.values_list("code", flat=True))


UNIT_REFERENCE = [
    Column("number", REQUIRED, gettext_lazy("The unit number; an existing number is updated.")),
    Column(
        "cluster",
        OPTIONAL,
        gettext_lazy("The cluster's name; a new name creates a cluster (kind corridor)."),
    ),
    Column("kind", REQUIRED, gettext_lazy("The kind of unit."), _words(UnitKind)),
    Column("floor_area", REQUIRED, gettext_lazy("m², e.g. 18,5 or 18.5.")),
    Column("rent", REQUIRED, gettext_lazy("Rent a month in euros, e.g. 450,00 or 450.00.")),
    Column("max_household", OPTIONAL, gettext_lazy("Persons; a whole number, empty is 1.")),
    Column("wheelchair_accessible", OPTIONAL, BOOLEAN),
]

PERSON_REFERENCE = [
    Column(
        "reference",
        OPTIONAL,
        gettext_lazy(
            "The person's number in your own system (ERP). Give it: a row with a known "
            "reference updates that person, a row without one always creates a new person."
        ),
    ),
    Column("first_name", REQUIRED, ""),
    Column("last_name", REQUIRED, ""),
    Column("date_of_birth", OPTIONAL, DATE),
    Column("email", OPTIONAL, ""),
    Column("phone", OPTIONAL, ""),
    Column("preferred_language", OPTIONAL, gettext_lazy("Empty is nl."), _words(Language)),
    Column("target_group", REQUIRED, gettext_lazy("A target group code."), _codes(TargetGroup)),
    Column("role", REQUIRED, "", _words(ResidentRole)),
    Column(
        "care_organisation",
        OPTIONAL,
        gettext_lazy("The name of the care organisation guiding a vragend resident."),
    ),
    Column("care_contact_name", OPTIONAL, ""),
    Column("household_size", OPTIONAL, gettext_lazy("A whole number, empty is 1.")),
    Column("needs_accessible", OPTIONAL, BOOLEAN),
    Column(
        "contribution_hours",
        OPTIONAL,
        gettext_lazy("Hours a month, dragend only; empty uses the project's norm."),
    ),
    Column("share_profile_consent", OPTIONAL, BOOLEAN),
    Column("unit", FOR_CONTRACT, gettext_lazy("The unit number in this project.")),
    Column(
        "contract_type", FOR_CONTRACT, gettext_lazy("A contract type code."), _codes(ContractType)
    ),
    Column("start_date", FOR_CONTRACT, DATE),
    Column("end_date", OPTIONAL, DATE),
    Column("status", FOR_CONTRACT, "", _words(ContractStatus)),
    Column(
        "holder_organisation",
        OPTIONAL,
        gettext_lazy("Omklap only: the name of the care organisation holding the contract."),
    ),
    Column("end_reason", OPTIONAL, gettext_lazy("Required when ended."), _words(EndReason)),
    Column("outflow", OPTIONAL, gettext_lazy("Required when ended."), _words(Outflow)),
    Column(
        PROJECT_COLUMN,
        OPTIONAL,
        gettext_lazy(
            "Written by the people-list export. When filled, it must be this project's name."
        ),
    ),
    Column(
        STATE_COLUMN,
        OPTIONAL,
        gettext_lazy(
            "Written by the exports: the contract's state on the day of the export. It follows "
            "from the other columns and is ignored on import."
        ),
        lambda: ContractState.values,
    ),
]


def column_reference(columns: list[Column]) -> list[dict[str, Any]]:
    return [
        {
            "name": column.name,
            "required": column.required,
            "description": column.description,
            "values": column.values() if column.values else [],
        }
        for column in columns
    ]

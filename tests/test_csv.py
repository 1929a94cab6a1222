"""CSV import and export of units and of persons with their contracts (residents.csv_io).

An import is all-or-nothing: every bad row is reported with the row number Excel shows (the
header is row 1) and its column, and nothing is saved. What an export writes, an import reads back
unchanged.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from projects.models import Cluster, ClusterKind, Unit, UnitKind
from residents import csv_io, csv_jobs
from residents.models import (
    Contract,
    ContractStatus,
    CsvImport,
    EndReason,
    ImportStatus,
    Language,
    Outflow,
    Person,
    ResidentRole,
)

from .factories import (
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (Dutch translations come later)."""
    with translation.override("en"):
        yield


def upload(text: str, *, bom: bool = False, encoding: str = "utf-8") -> SimpleUploadedFile:
    data = text.encode(encoding)
    return SimpleUploadedFile("import.csv", (BOM if bom else b"") + data, content_type="text/csv")


def table(columns, rows: list[dict], sep: str = ";") -> str:
    lines = [sep.join(columns)] + [sep.join(row.get(c, "") for c in columns) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def totals() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Contract.objects.count(),
        Unit.objects.count(),
        Cluster.objects.count(),
    )


def where(result) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in result.errors]


def person_row(**values) -> dict:
    """A dragend student with an open-ended regular contract on unit 001 from 1 January 2025."""
    return {
        "first_name": "Sanne",
        "last_name": "de Vries",
        "date_of_birth": "2000-03-15",
        "target_group": "student",
        "role": "dragend",
        "unit": "001",
        "contract_type": "regulier",
        "start_date": "2025-01-01",
        "status": "active",
    } | values


PEOPLE = csv_io.PROJECT_PERSON_COLUMNS


@pytest.fixture
def units(project_a):
    return [UnitFactory(project=project_a, number=f"{n:03d}") for n in range(1, 6)]


# Units


def test_units_with_bom_semicolons_and_decimal_commas(project_a):
    text = (
        "number;cluster;kind;floor_area;rent;max_household;wheelchair_accessible\r\n"
        "A01;Gang Noord;studio;24,5;512,40;1;ja\r\n"
        "A02;gang noord;room;18;455,00;;NEE\r\n"
        "B01;;apartment;52,0;780;3;\r\n"
    )
    result = csv_io.units_import(project=project_a, file=upload(text, bom=True))
    assert result.ok, result.errors
    assert "3 units: 3 created, 0 updated" in result.summary
    assert "Created the cluster Gang Noord." in result.summary
    a01, a02, b01 = Unit.objects.filter(project=project_a).order_by("number")
    assert (a01.kind, a01.floor_area, a01.rent) == ("studio", Decimal("24.5"), Decimal("512.40"))
    assert a01.wheelchair_accessible
    assert not a02.wheelchair_accessible
    assert a01.cluster == a02.cluster  # the cluster name matches without case
    assert a01.cluster.kind == ClusterKind.CORRIDOR
    assert a02.max_household == 1
    assert b01.max_household == 3
    assert b01.cluster is None


def test_units_accept_the_dutch_words_the_pages_show(project_a):
    text = (
        "number;kind;floor_area;rent;wheelchair_accessible\r\n"
        "A01;kamer;18;450;WAAR\r\n"
        "A02;Appartement;52;780;ONWAAR\r\n"
        "A03;Studio;24;510;ja\r\n"
    )
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert result.ok, result.errors
    a01, a02, a03 = Unit.objects.filter(project=project_a).order_by("number")
    assert [a01.kind, a02.kind, a03.kind] == [UnitKind.ROOM, UnitKind.APARTMENT, UnitKind.STUDIO]
    assert a01.wheelchair_accessible
    assert not a02.wheelchair_accessible


def test_a_word_that_is_no_choice_is_refused_with_the_words_and_codes(project_a):
    text = "number;kind;floor_area;rent\r\nA01;hut;18;450\r\n"
    with translation.override("nl"):
        result = csv_io.units_import(project=project_a, file=upload(text))
        message = result.errors[0].message
    assert not result.ok
    assert "kamer (room)" in message
    assert "appartement (apartment)" in message
    assert not Unit.objects.filter(project=project_a).exists()


def test_persons_accept_the_role_as_the_pages_show_it(project_a, units):
    rows = [
        person_row(role="Vragend", reference="R1"),
        person_row(role="dragend", reference="R2", first_name="Sem", unit="002"),
    ]
    text = table(PEOPLE, rows)
    result = csv_io.persons_import(project=project_a, file=upload(text))
    assert result.ok, result.errors
    assert sorted(Person.objects.values_list("role", flat=True)) == ["dragend", "vragend"]


def test_units_without_bom_with_commas_and_dots_update_by_number(project_a):
    existing = UnitFactory(project=project_a, number="A01", rent=Decimal("400.00"))
    text = (
        "number,cluster,kind,floor_area,rent,max_household,wheelchair_accessible\n"
        "A01,,studio,20.5,500.00,2,yes\n"
        "A02,,room,16,400,1,0\n"
    )
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert result.ok, result.errors
    assert "1 created, 1 updated" in result.summary
    existing.refresh_from_db()
    assert (existing.kind, existing.floor_area, existing.rent) == (
        "studio",
        Decimal("20.5"),
        Decimal("500.00"),
    )
    assert existing.max_household == 2
    assert existing.wheelchair_accessible


def test_units_a_column_left_out_leaves_the_field_as_it_is(project_a):
    cluster = ClusterFactory(project=project_a, name="Gang A")
    unit = UnitFactory(project=project_a, number="A01", cluster=cluster, max_household=2)
    text = "number;kind;floor_area;rent\r\nA01;room;18;450\r\n"
    assert csv_io.units_import(project=project_a, file=upload(text)).ok
    unit.refresh_from_db()
    assert unit.cluster == cluster
    assert unit.max_household == 2


def test_units_every_bad_row_is_reported_and_nothing_is_saved(project_a):
    UnitFactory(project=project_a, number="A01")
    before = totals()
    text = (
        "number;cluster;kind;floor_area;rent;max_household;wheelchair_accessible\r\n"
        "A02;Nieuw;studio;20;500;1;nee\r\n"  # 2: good, but must not be saved
        "A03;;castle;20;500;1;nee\r\n"  # 3: unknown kind
        "A04;;room;18,5,0;500;1;nee\r\n"  # 4: not a number
        ";;room;18;500;1;nee\r\n"  # 5: no number
        "A02;;room;18;500;1;nee\r\n"  # 6: A02 twice in the file
        "A07;;room;18;500;1;misschien\r\n"  # 7: not a boolean
        "A08;;room;18;500;1;nee;extra\r\n"  # 8: a value without a column
        "A09;;room;0;500;0;nee\r\n"  # 9: the model's rules: floor area and household
    )
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert not result.ok
    assert sorted(where(result)) == [
        (3, "kind"),
        (4, "floor_area"),
        (5, "number"),
        (6, "number"),
        (7, "wheelchair_accessible"),
        (8, ""),
        (9, "floor_area"),
        (9, "max_household"),
    ]
    assert result.bad_row_count == 7
    assert totals() == before
    assert not Cluster.objects.filter(name="Nieuw").exists()


def test_units_a_database_failure_midway_saves_nothing(project_a, monkeypatch):
    before = totals()
    save = Unit.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.number)
        if len(calls) == 2:
            raise DatabaseError("disk full")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Unit, "save", failing_save)
    text = (
        "number;kind;floor_area;rent\r\nA01;room;18;450\r\nA02;room;18;450\r\nA03;room;18;450\r\n"
    )
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert where(result) == [(3, "")]
    assert "disk full" in result.errors[0].message
    assert totals() == before


# Persons with their contracts


def test_persons_with_bom_semicolons_and_dutch_dates(project_a, units, care_org):
    rows = [
        person_row(  # 2 and 3: one person, an ended contract and the current one
            reference="R1",
            date_of_birth="15-03-2000",
            unit="001",
            contract_type="campus",
            start_date="01-09-2022",
            end_date="31-08-2024",
            status="ended",
            end_reason="moved_within",
            outflow="unknown",
            phone="'+31 6 1234 5678",
        ),
        person_row(
            reference="R1",
            date_of_birth="2000-03-15",  # the same date, written the other way
            unit="002",
            contract_type="campus",
            start_date="1-9-2024",
            phone="'+31 6 1234 5678",
        ),
        person_row(  # 4: vragend, guided, an omklap contract held by the care organisation
            reference="R2",
            first_name="Yonas",
            last_name="Tesfay",
            target_group="statushouder",
            role="vragend",
            preferred_language="TI",
            care_organisation="zorg en begeleiding",
            care_contact_name="Mila Jansen",
            needs_accessible="ja",
            share_profile_consent="true",
            unit="003",
            contract_type="omklap",
            holder_organisation="Zorg en Begeleiding",
        ),
        person_row(first_name="Zonder", unit="004", contribution_hours="12"),  # 5: no reference
        person_row(reference="R4", first_name="Kandidaat", unit="", contract_type="", status=""),
    ]
    rows[-1]["start_date"] = ""
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows), bom=True))
    assert result.ok, result.errors
    assert "Persons: 4 created" in result.summary
    assert "Contracts: 4 created" in result.summary
    sanne = Person.objects.get(reference="R1")
    assert sanne.date_of_birth == D(2000, 3, 15)
    assert sanne.phone == "+31 6 1234 5678"
    ended, current = sanne.contracts.order_by("start_date")
    assert (ended.status, ended.end_date, ended.end_reason) == (
        "ended",
        D(2024, 8, 31),
        "moved_within",
    )
    assert (current.unit.number, current.start_date, current.end_date) == (
        "002",
        D(2024, 9, 1),
        None,
    )
    yonas = Person.objects.get(reference="R2")
    assert yonas.care_organisation == care_org
    assert yonas.preferred_language == Language.TI
    assert yonas.needs_accessible
    assert yonas.share_profile_consent
    omklap = yonas.contracts.get()
    assert omklap.holder_organisation == care_org
    assert omklap.guidance_months == 36  # the contract type's default, as the form sets it
    assert Person.objects.get(first_name="Zonder").contribution_hours == 12
    assert not Person.objects.get(reference="R4").contracts.exists()


def test_persons_without_bom_with_commas_update_by_reference(project_a, units):
    person = PersonFactory(corporation=project_a.corporation, reference="R1", email="old@x.nl")
    contract = ContractFactory(
        person=person, unit=units[0], contract_type_code="tijdelijk", end_date=D(2025, 12, 31)
    )
    rows = [
        person_row(
            reference="R1",
            first_name=person.first_name,
            email="new@x.nl",
            contract_type="tijdelijk",
            end_date="2026-06-30",
        )
    ]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows, sep=",")))
    assert result.ok, result.errors
    assert "Persons: 0 created, 1 updated" in result.summary
    assert "Contracts: 0 created, 1 updated" in result.summary
    person.refresh_from_db()
    contract.refresh_from_db()
    assert person.email == "new@x.nl"
    assert contract.end_date == D(2026, 6, 30)
    assert Person.objects.count() == 1


def test_persons_every_bad_row_is_reported_and_nothing_is_saved(project_a, units):
    before = totals()
    rows = [
        person_row(reference="R1", contract_type="huurkoop"),  # 2: unknown contract type
        person_row(reference="R2", unit="002", start_date="31-02-2025"),  # 3: no such date
        person_row(reference="R3", unit="003", start_date="2025-01-01"),  # 4: fine on its own
        person_row(reference="R4", unit="003", start_date="2025-06-01"),  # 5: overlaps row 4
        person_row(reference="R5", unit="004", last_name=""),  # 6: missing required value
        person_row(  # 7: a jongerencontract is for 18 to 27 at the start
            reference="R6",
            unit="005",
            date_of_birth="1980-01-01",
            contract_type="jongeren",
            end_date="2026-12-31",
        ),
        person_row(reference="R7", unit="005", start_date="2030-01-01"),  # 8: good
    ]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert not result.ok
    assert where(result) == [
        (2, "contract_type"),
        (3, "start_date"),
        (5, "start_date"),
        (6, "last_name"),
        (7, "contract_type"),
    ]
    assert "Unit 003 already has a contract" in result.errors[2].message
    assert "aged 18 to 27" in result.errors[4].message
    assert totals() == before


def test_persons_rows_of_one_person_must_agree(project_a, units):
    rows = [
        person_row(reference="R1", unit="001"),
        person_row(reference="R1", unit="002", last_name="Jansen"),
        person_row(reference="R2", unit="003", role="onbekend"),
        person_row(reference="R2", unit="004", role="onbekend"),
    ]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert where(result) == [(3, "last_name"), (4, "role"), (5, "role"), (5, "reference")]


def test_persons_the_same_contract_twice_in_a_file_is_refused(project_a, units):
    rows = [person_row(reference="R1"), person_row(reference="R1")]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert where(result) == [(3, "start_date")]


def test_persons_a_contract_needs_its_key_columns(project_a, units):
    rows = [person_row(contract_type="", status="")]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert where(result) == [(2, "contract_type"), (2, "status")]


def test_persons_unknown_unit_and_care_organisation(project_a, units):
    rows = [person_row(unit="999", role="vragend", care_organisation="Onbekend")]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert where(result) == [(2, "care_organisation"), (2, "unit")]
    assert "Project A has no unit “999”" in result.errors[1].message


def test_persons_an_ended_contract_cannot_be_changed(project_a, units):
    person = PersonFactory(corporation=project_a.corporation, reference="R1")
    ContractFactory(
        person=person,
        unit=units[0],
        end_date=D(2025, 6, 30),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    row = person_row(
        reference="R1",
        first_name=person.first_name,
        end_date="2025-07-31",
        status="ended",
        end_reason="tenant_notice",
        outflow="unknown",
    )
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, [row])))
    assert where(result) == [(2, "status")]


def test_persons_a_row_of_another_project_is_refused(project_a, units):
    columns = csv_io.PEOPLE_COLUMNS
    rows = [person_row(project="Project A"), person_row(unit="002", project="Elders")]
    result = csv_io.persons_import(project=project_a, file=upload(table(columns, rows)))
    assert where(result) == [(3, "project")]


def test_persons_a_database_failure_midway_saves_nothing(project_a, units, monkeypatch):
    """With Contract.clean switched off, PostgreSQL's exclusion constraint refuses the second
    overlapping contract mid-way: a real database error, and still nothing is saved."""
    if connection.vendor != "postgresql":
        pytest.skip("the overlap exclusion constraint exists only on PostgreSQL")
    before = totals()
    monkeypatch.setattr(Contract, "clean", lambda self: None)
    rows = [
        person_row(reference="R1", unit="001"),
        person_row(reference="R2", unit="002"),
        person_row(reference="R3", unit="002", start_date="2025-03-01"),
        person_row(reference="R4", unit="004"),
    ]
    result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
    assert where(result) == [(4, "")]
    assert "contract_no_overlap" in result.errors[0].message
    assert totals() == before  # the connection is usable again, and nothing was kept


def test_the_examples_in_the_documentation_import(project_a, care_org):
    docs = (settings.BASE_DIR / "docs" / "csv.md").read_text(encoding="utf-8")
    units, persons = re.findall(r"```csv\n(.*?)```", docs, flags=re.DOTALL)
    assert csv_io.units_import(project=project_a, file=upload(units)).ok
    result = csv_io.persons_import(project=project_a, file=upload(persons))
    assert result.ok, result.errors
    assert "Persons: 3 created" in result.summary
    assert "Contracts: 3 created" in result.summary


# The file as a whole


@pytest.mark.parametrize("name", ["bsn", "BSN", "burgerservicenummer", "Burgerservicenummer"])
@pytest.mark.parametrize("importer", [csv_io.units_import, csv_io.persons_import])
def test_a_citizen_service_number_column_refuses_the_file(project_a, units, name, importer):
    before = totals()
    text = table((*PEOPLE, name), [person_row(**{name: "123456782"})])
    result = importer(project=project_a, file=upload(text))
    assert not result.ok
    assert not result.errors
    assert "does not store citizen service numbers" in result.file_errors[0]
    assert totals() == before


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_file_not_in_utf8_gets_a_clear_message(project_a, units, encoding):
    text = table(PEOPLE, [person_row(first_name="Zoë", last_name="Müller")])
    result = csv_io.persons_import(project=project_a, file=upload(text, encoding=encoding))
    assert result.file_errors == [
        "The file is not in UTF-8. In Excel, choose Save as, file type "
        "“CSV UTF-8 (comma delimited) (*.csv)”, and upload that file."
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (BOM + b"\r\n", "The file is empty."),
        (b"number;kind;floor_area;rent\r\n", "The file has a header but no rows to import."),
        (b"number;kind;rent\r\nA1;room;4\r\n", "Required columns are missing: floor_area."),
        (b"number;kind;floor_area;rent;colour\r\nA1;room;4;5;red\r\n", "Unknown columns: colour."),
        (b"number;kind;floor_area;rent;rent\r\nA1;room;4;5;5\r\n", "appear twice: rent"),
        (b"number;kind;floor_area;rent;notes\r\nA1;room;4;5;x\r\n", "never imported"),
        (b'number;kind;floor_area;rent\r\n"A1;room;4;5\r\n', "not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(project_a, content, message):
    file = SimpleUploadedFile("units.csv", content)
    result = csv_io.units_import(project=project_a, file=file)
    assert len(result.file_errors) == 1
    assert message in result.file_errors[0]


def test_a_file_over_the_size_limit_is_refused(project_a, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_FILE_SIZE", 100)
    text = "number;kind;floor_area;rent\r\n" + "A1;room;18;450\r\n" * 10
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert result.file_errors
    assert "larger than" in result.file_errors[0]


def test_row_numbers_are_excel_rows(project_a):
    """Blank lines count, and a quoted cell with a line break is still one row."""
    text = (
        "number;cluster;kind;floor_area;rent\r\n"
        'A01;"Gang\r\nNoord";room;18;450\r\n'  # row 2
        "\r\n"  # row 3
        ";;;;\r\n"  # row 4
        "A05;;room;x;450\r\n"  # row 5
    )
    result = csv_io.units_import(project=project_a, file=upload(text))
    assert where(result) == [(5, "floor_area")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-31", D(2025, 1, 31)),
        ("31-01-2025", D(2025, 1, 31)),
        ("1-2-2025", D(2025, 2, 1)),
        ("2024-02-29", D(2024, 2, 29)),
    ],
)
def test_dates_in_both_orders(value, expected):
    assert csv_io.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2025-02-29", "31/01/2025", "01-31-2025", "gisteren", "2025"])
def test_other_dates_are_refused(value):
    with pytest.raises(csv_io.CellError):
        csv_io.parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("18,5", Decimal("18.5")), ("18.5", Decimal("18.5")), ("450", Decimal("450"))],
)
def test_decimals_with_comma_or_point(value, expected):
    assert csv_io.parse_decimal(value) == expected


@pytest.mark.parametrize("value", ["1.234,50", "€ 450", "-5", "NaN", "1e3", "4,"])
def test_other_numbers_are_refused(value):
    with pytest.raises(csv_io.CellError):
        csv_io.parse_decimal(value)


def test_a_negative_amount_is_called_negative_not_unreadable():
    with pytest.raises(csv_io.CellError) as refused:
        csv_io.parse_decimal("-5")
    assert "0" in str(refused.value.args[0])
    assert "-5" in str(refused.value.args[0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", True),
        ("Nee", False),
        ("yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("false", False),
    ],
)
def test_booleans(value, expected):
    assert csv_io.parse_bool(value) is expected


# Export, and export -> import


def rich_project(project, care_org, n: int = 3):
    """Units in and out of clusters, persons with several contracts, ended and omklap ones."""
    cluster = ClusterFactory(project=project, name="Gang Zuid")
    units = [
        UnitFactory(
            project=project,
            number=f"{i:03d}",
            cluster=cluster if i % 2 else None,
            kind=UnitKind.STUDIO,
            floor_area=Decimal("24.5"),
            rent=Decimal("512.40"),
            max_household=2,
            wheelchair_accessible=bool(i % 3),
        )
        for i in range(1, 2 * n + 1)
    ]
    for i in range(n):
        person = PersonFactory(
            corporation=project.corporation,
            reference=f"R{i}",
            first_name=f"Naam{i}",
            phone="+31 6 1234 5678",
            email=f"p{i}@example.nl",
            notes="Geheime opmerking",
            contribution_hours=12,
        )
        ContractFactory(
            person=person,
            unit=units[2 * i],
            contract_type_code="campus",
            start_date=D(2022, 9, 1),
            end_date=D(2024, 8, 31),
            status=ContractStatus.ENDED,
            end_reason=EndReason.MOVED_WITHIN,
            outflow=Outflow.UNKNOWN,
        )
        ContractFactory(person=person, unit=units[2 * i + 1], start_date=D(2024, 9, 1))
    guided = PersonFactory(
        corporation=project.corporation,
        reference="G1",
        role=ResidentRole.VRAGEND,
        target_group_code="ggz-bw",
        care_organisation=care_org,
        care_contact_name="Mila",
        date_of_birth=None,
    )
    ContractFactory(
        person=guided,
        unit=UnitFactory(project=project, number="G01"),
        contract_type_code="omklap",
        holder_organisation=care_org,
        guidance_months=24,
    )
    return units


def snapshot(project):
    units = list(Unit.objects.filter(project=project).order_by("number").values())
    contracts = list(Contract.objects.filter(unit__project=project).order_by("pk").values())
    persons = list(Person.objects.filter(corporation=project.corporation).order_by("pk").values())
    return units, contracts, persons


def history_count() -> int:
    return Person.history.count() + Contract.history.count()


def test_units_round_trip(project_a, care_org):
    rich_project(project_a, care_org)
    before, clusters, history = snapshot(project_a), Cluster.objects.count(), history_count()
    exported = csv_io.units_export(project=project_a)
    result = csv_io.units_import(project=project_a, file=upload(exported))
    assert result.ok, result.errors
    assert "0 created, 0 updated, 7 unchanged" in result.summary
    assert snapshot(project_a) == before
    assert (Cluster.objects.count(), history_count()) == (clusters, history)


def test_persons_round_trip(project_a, care_org):
    rich_project(project_a, care_org)
    before, history = snapshot(project_a), history_count()
    exported = csv_io.project_persons_export(project=project_a)
    result = csv_io.persons_import(project=project_a, file=upload(exported))
    assert result.ok, result.errors
    assert "Persons: 0 created, 0 updated, 4 unchanged" in result.summary
    assert "Contracts: 0 created, 0 updated, 7 unchanged" in result.summary
    assert snapshot(project_a) == before
    assert history_count() == history


def test_people_list_export_round_trips_into_its_project(project_a, care_org, staff_a):
    """The list's export has a project column, so its rows go back to the right units."""
    rich_project(project_a, care_org)
    before = snapshot(project_a)
    exported = csv_io.persons_export(people=Person.objects.for_user(staff_a), user=staff_a)
    result = csv_io.persons_import(project=project_a, file=upload(exported))
    assert result.ok, result.errors
    assert "Contracts: 0 created, 0 updated, 4 unchanged" in result.summary
    assert snapshot(project_a) == before


def test_export_is_utf8_with_bom_and_semicolons_for_excel(project_a, care_org):
    rich_project(project_a, care_org)
    exported = csv_io.project_persons_export(project=project_a).encode("utf-8")
    assert exported.startswith(BOM)
    header = exported[3:].split(b"\r\n")[0].decode()
    assert header == ";".join(PEOPLE)
    text = exported.decode("utf-8-sig")
    assert "Geheime opmerking" not in text  # notes are never exported
    assert "notes" not in header
    assert "bsn" not in header.lower()
    assert ";'+31 6 1234 5678;" in text  # Excel would read +31... as a formula
    assert ";24,5;512,40;" in csv_io.units_export(project=project_a)


def test_the_project_export_leaves_out_persons_without_a_contract_there(project_a, corp_a):
    PersonFactory(corporation=corp_a, first_name="Kandidaat")
    other = ProjectFactory(corporation=corp_a)
    ContractFactory(unit=UnitFactory(project=other), person__first_name="Elders")
    ContractFactory(unit=UnitFactory(project=project_a), person__first_name="Hier")
    text = csv_io.project_persons_export(project=project_a)
    assert "Hier" in text
    assert "Kandidaat" not in text
    assert "Elders" not in text


# Pages: access, filters, query counts


def csv_urls(project) -> dict[str, str]:
    return {
        "units_export": reverse("residents:units_export", args=[project.pk]),
        "units_import": reverse("residents:units_import", args=[project.pk]),
        "project_people_export": reverse("residents:project_people_export", args=[project.pk]),
        "project_people_import": reverse("residents:project_people_import", args=[project.pk]),
    }


IMPORTS = ["units_import", "project_people_import"]
EXPORTS = ["units_export", "project_people_export"]


@pytest.mark.parametrize("name", IMPORTS + EXPORTS)
@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider"])
def test_other_people_get_404_on_the_project_csv_pages(
    request, client_for, project_a, name, persona
):
    client = client_for(request.getfixturevalue(persona))
    url = csv_urls(project_a)[name]
    assert client.get(url).status_code == 404
    if name in IMPORTS:
        assert client.post(url, {"file": upload("number\r\n")}).status_code == 404


@pytest.mark.parametrize("persona", ["policy_a", "member_a", "outsider"])
def test_people_export_is_404_without_corporation_records(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("residents:people_export")).status_code == 404


def test_the_read_only_role_may_export_but_not_import(client_for, readonly_a, project_a):
    client = client_for(readonly_a)
    before = totals()
    for name, url in csv_urls(project_a).items():
        if name in IMPORTS:
            assert client.get(url).status_code == 403
            text = "number;kind;floor_area;rent\r\nA1;room;18;450\r\n"
            assert client.post(url, {"file": upload(text)}).status_code == 403
        else:
            assert client.get(url).status_code == 200
    assert client.get(reverse("residents:people_export")).status_code == 200
    assert totals() == before


def test_anonymous_users_are_sent_to_log_in(client, project_a):
    for url in [*csv_urls(project_a).values(), reverse("residents:people_export")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_staff_of_another_corporation_exports_none_of_our_people(client_for, staff_b, corp_a):
    PersonFactory(corporation=corp_a, last_name="Geheim")
    response = client_for(staff_b).get(reverse("residents:people_export"))
    assert response.status_code == 200
    assert "Geheim" not in response.content.decode("utf-8-sig")


def english(client):
    """Pages are Dutch unless the language switch's cookie says English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_import_page_shows_the_form_and_the_columns(client_for, staff_a, project_a):
    response = english(client_for(staff_a)).get(csv_urls(project_a)["project_people_import"])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'href="#columns"' in page
    for column in csv_io.PEOPLE_COLUMNS:
        assert f"<code>{column}</code>" in page
    assert "<code>jongeren</code>" in page  # the contract type codes, from the database


def run_queued_import(client, response):
    """What the worker does with the upload the page queued, then the progress page after it."""
    assert response.status_code == 302
    job = CsvImport.objects.get()
    assert response.url == reverse("residents:csv_import", args=[job.pk])
    assert job.status == ImportStatus.QUEUED
    queued = client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in queued  # the page refreshes until the import is done
    csv_jobs.run(job.pk)
    job.refresh_from_db()
    assert job.data == b""  # the file is not kept once imported or refused
    return client.get(response.url).content.decode()


def test_a_good_upload_is_queued_and_its_page_shows_the_summary(client_for, staff_a, project_a):
    text = "number;cluster;kind;floor_area;rent\r\nA01;Gang X;room;18;450\r\n"
    client = english(client_for(staff_a))
    response = client.post(csv_urls(project_a)["units_import"], {"file": upload(text, bom=True)})
    page = run_queued_import(client, response)
    assert "Imported 1 unit: 1 created, 0 updated, 0 unchanged." in page
    assert "Created the cluster Gang X." in page
    assert "1 of 1 row checked" in page
    assert project_a.units.filter(number="A01").exists()


def test_a_bad_upload_shows_every_error_and_saves_nothing(client_for, staff_a, project_a, units):
    before = totals()
    rows = [person_row(contract_type="huurkoop"), person_row(unit="002", start_date="morgen")]
    client = english(client_for(staff_a))
    response = client.post(
        csv_urls(project_a)["project_people_import"],
        {"file": upload(table(PEOPLE, rows))},
    )
    page = run_queued_import(client, response)
    assert "2 rows have errors; nothing was imported." in page
    assert '<td class="num">2</td><td><code>contract_type</code></td>' in page
    assert '<td class="num">3</td><td><code>start_date</code></td>' in page
    assert totals() == before


def test_a_refused_file_shows_why(client_for, staff_a, project_a):
    response = english(client_for(staff_a)).post(
        csv_urls(project_a)["units_import"],
        {"file": upload("number;BSN\r\nA1;123\r\n")},
    )
    assert "does not store citizen service numbers" in response.content.decode()


def test_project_page_links_to_import_and_export(client_for, staff_a, readonly_a, project_a):
    urls = csv_urls(project_a)
    staff_page = client_for(staff_a).get(project_a.get_absolute_url()).content.decode()
    assert all(url in staff_page for url in urls.values())
    readonly_page = client_for(readonly_a).get(project_a.get_absolute_url()).content.decode()
    assert urls["units_export"] in readonly_page
    assert urls["project_people_export"] in readonly_page
    assert urls["units_import"] not in readonly_page


def test_people_list_export_link_carries_the_filters(client_for, staff_a):
    page = client_for(staff_a).get(reverse("residents:person_list"), {"role": "vragend"})
    assert reverse("residents:people_export") + "?role=vragend" in page.content.decode()


def exported_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    reader = csv_io.csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return list(reader)


def test_people_export_follows_the_filters(client_for, staff_a, project_a):
    unit = UnitFactory(project=project_a, number="V1")
    ContractFactory(
        unit=unit,
        person=PersonFactory(
            corporation=project_a.corporation,
            first_name="Vera",
            role=ResidentRole.VRAGEND,
            target_group_code="ggz-bw",
        ),
    )
    PersonFactory(corporation=project_a.corporation, first_name="Willem")  # no contract
    PersonFactory(
        corporation=project_a.corporation, first_name="Vincent", role=ResidentRole.VRAGEND
    )
    client = client_for(staff_a)
    url = reverse("residents:people_export")
    rows = exported_rows(client.get(url, {"role": "vragend"}))
    assert sorted((r["first_name"], r["unit"], r["project"]) for r in rows) == [
        ("Vera", "V1", "Project A"),
        ("Vincent", "", ""),
    ]
    everyone = exported_rows(client.get(url))
    assert {r["first_name"] for r in everyone} == {"Vera", "Vincent", "Willem"}
    residents = exported_rows(client.get(url, {"status": "resident", "page": "2"}))
    assert [r["first_name"] for r in residents] == ["Vera"]


def test_the_people_export_writes_one_row_per_contract_in_force(client_for, staff_a, project_a):
    person = PersonFactory(corporation=project_a.corporation, household_size=1)
    ContractFactory(person=person, unit=UnitFactory(project=project_a, number="X1"))
    ContractFactory(person=person, unit=UnitFactory(project=project_a, number="X2"))
    ContractFactory(  # ended: not in force today
        person=person,
        unit=UnitFactory(project=project_a, number="X3"),
        start_date=D(2020, 1, 1),
        end_date=D(2020, 12, 31),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    rows = exported_rows(client_for(staff_a).get(reverse("residents:people_export")))
    assert sorted(r["unit"] for r in rows) == ["X1", "X2"]


def build_rows(project, care_org, n: int):
    for i in range(n):
        person = PersonFactory(
            corporation=project.corporation,
            reference=f"Q{project.pk}-{i}",
            role=ResidentRole.VRAGEND,
            care_organisation=care_org,
        )
        cluster = ClusterFactory(project=project)
        ContractFactory(
            person=person,
            unit=UnitFactory(project=project, cluster=cluster),
            contract_type_code="omklap",
            holder_organisation=care_org,
        )


@pytest.mark.parametrize("name", ["units_export", "project_people_export", "people_export"])
def test_exports_do_not_query_per_row(client_for, staff_a, corp_a, care_org, name):
    def queries(n: int) -> int:
        project = ProjectFactory(corporation=corp_a)
        build_rows(project, care_org, n)
        urls = csv_urls(project) | {"people_export": reverse("residents:people_export")}
        client = client_for(staff_a)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(urls[name], {"project": project.pk})
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").count("\r\n") == n + 1
        return len(captured)

    assert queries(5) == queries(50)


def test_an_import_does_a_few_queries_per_row_not_more(project_a):
    """New person + new contract: the overlap check in Contract.clean, two inserts and their two
    history records. Lookups (target groups, units, contract types) are loaded once."""
    UnitFactory.create_batch(40, project=project_a)
    numbers = list(Unit.objects.filter(project=project_a).values_list("number", flat=True))

    def queries(prefix: str, units: list[str]) -> int:
        rows = [person_row(reference=f"{prefix}{i}", unit=n) for i, n in enumerate(units)]
        with CaptureQueriesContext(connection) as captured:
            result = csv_io.persons_import(project=project_a, file=upload(table(PEOPLE, rows)))
        assert result.ok, result.errors
        return len(captured)

    small, large = queries("S", numbers[:10]), queries("L", numbers[10:40])
    assert (large - small) / 20 <= 5


# Templates and file names


@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("residents:units_template", "wooneenheden-sjabloon"),
        ("residents:project_people_template", "personen-sjabloon"),
    ],
)
def test_a_template_downloads_and_imports_as_it_is(
    project_a, units, staff_a, client_for, url_name, what
):
    before = Unit.objects.get(project=project_a, number="001").floor_area
    response = client_for(staff_a).get(reverse(url_name, args=[project_a.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="project-a-{what}-{timezone.localdate().isoformat()}.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2  # the header and one example row
    importer = csv_io.units_import if "wooneenheden" in what else csv_io.persons_import
    result = importer(project=project_a, file=upload(response.content.decode("utf-8-sig")))
    assert result.ok, result.errors
    # The example unit is a new one: importing the template never overwrites a unit.
    assert Unit.objects.get(project=project_a, number="001").floor_area == before


@pytest.mark.parametrize(
    "url_name", ["residents:units_template", "residents:project_people_template"]
)
def test_a_template_is_for_writing_staff_of_the_project(
    project_a, staff_b, readonly_a, client_for, url_name
):
    url = reverse(url_name, args=[project_a.pk])
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(readonly_a).get(url).status_code == 403


def test_export_file_names_name_the_project_what_and_the_date(project_a, staff_a, client_for):
    client = client_for(staff_a)
    today = timezone.localdate().isoformat()
    pages = [
        reverse("residents:units_export", args=[project_a.pk]),
        reverse("residents:project_people_export", args=[project_a.pk]),
        reverse("residents:people_export"),
    ]
    names = {
        "nl": ["project-a-wooneenheden", "project-a-personen", "magicmix-personen"],
        "en": ["project-a-units", "project-a-people", "magicmix-people"],
    }
    for language, expected in names.items():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        got = [client.get(url)["Content-Disposition"] for url in pages]
        assert got == [f'attachment; filename="{name}-{today}.csv"' for name in expected]

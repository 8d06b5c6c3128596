"""Bulk import of staff records from a CSV file: reading it, planning its rows, applying them.

The request reads the whole file (`start_import`), so a file that cannot be imported at all is
refused at once with a 422; the `people.import` job then plans and applies it as the
organisation. Planning needs no database: each row is validated, duplicates and line-manager
loops are found, and the rows are ordered so every manager comes before their reports.
Applying puts each row in its own SAVEPOINT: a row is imported whole or not at all.

Choices a coordinator may ask about:
- `row` in an error is the line of the file the record starts on; the header is line 1, so the
  first person is row 2, as a spreadsheet numbers it.
- A person is matched by `external_id` when the row has one, else by email (case-insensitive).
- An optional column left out of the header is left alone; an empty cell clears the field,
  except `external_id`, which an import never clears.
- A deactivated person stays deactivated: their record is updated, their status is not.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from consortium.core import tenancy
from consortium.core.errors import DomainError, Forbidden, Invalid
from consortium.core.jobs import Job, enqueue
from consortium.extensions import db
from consortium.people import service
from consortium.people.models import Person
from consortium.people.schemas import PersonImportRowSchema

JOB_NAME = "people.import"
COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "job_title",
    "profession",
    "seniority",
    "line_manager_email",
    "external_id",
)
REQUIRED_COLUMNS = ("given_name", "family_name", "email")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 1000

EXAMPLE = (
    "given_name,family_name,email,job_title,profession,seniority,line_manager_email,external_id\n"
    "Amara,Okafor,amara.okafor@nhs.net,Director of Nursing,nursing,9,,ESR-10000001\n"
    "Tom,Reid,tom.reid@nhs.net,Ward Manager,nursing,7,amara.okafor@nhs.net,ESR-10293847\n"
)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file the record starts on (the header is line 1)
    values: list[str]


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    rows: list[CsvRow]


def decode(data: bytes) -> str:
    """The request body as text: UTF-8, with or without a byte-order mark."""
    if not data.strip():
        raise Invalid("The request body is empty: send a CSV file with a header row.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"The file is not UTF-8 text (byte {exc.start + 1} is not valid UTF-8); save it as "
            "'CSV UTF-8' and send it again."
        ) from exc
    if "\x00" in text:  # the file travels to the job as JSON, which cannot hold U+0000
        raise Invalid(
            f"The file contains a NUL character (at character {text.index(chr(0)) + 1}); it "
            "cannot be a CSV file."
        )
    return text


def read_csv(text: str) -> CsvFile:
    """The header and the non-blank records, or Invalid naming what makes the file unreadable."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or not any(name.strip() for name in header):
            raise Invalid("The first line must be the header row, naming the columns.")
        columns = _check_header(header)
        rows: list[CsvRow] = []
        line = reader.line_num + 1
        for values in reader:
            if any(value.strip() for value in values):
                if len(rows) == MAX_ROWS:
                    raise Invalid(
                        f"The file has more than {MAX_ROWS:,} people; split it into files of "
                        f"at most {MAX_ROWS:,} rows and import each."
                    )
                rows.append(CsvRow(line=line, values=values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV at line {reader.line_num}: {exc}.") from exc
    if not rows:
        raise Invalid("The file has a header row but no people under it.")
    return CsvFile(columns=columns, rows=rows)


def _check_header(header: list[str]) -> tuple[str, ...]:
    columns = tuple(name.strip().lower() for name in header)
    problems = []
    unnamed = [str(i) for i, name in enumerate(columns, 1) if not name]
    if unnamed:
        problems.append(f"Column {', '.join(unnamed)} of the header row has no name.")
    twice = sorted({name for name in columns if name and columns.count(name) > 1})
    if twice:
        problems.append(f"The header row names {_names(twice)} more than once.")
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        problems.append(f"The header row has the unknown {_columns(unknown)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(f"The header row is missing the required {_columns(missing)}.")
    if problems:
        raise Invalid(" ".join([*problems, f"The columns are: {', '.join(COLUMNS)}."]))
    return columns


def _names(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _columns(names: list[str]) -> str:
    return f"column{'s' if len(names) > 1 else ''} {_names(names)}"


# --- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    message: str


@dataclass(frozen=True)
class PlannedRow:
    line: int
    data: dict[str, Any]  # validated by PersonImportRowSchema
    manager_line: int | None  # the row of this file that holds the line manager, if any


@dataclass
class Plan:
    columns: frozenset[str]
    order: list[PlannedRow]  # the rows to apply, each line manager before their reports
    errors: list[RowError]  # the rows refused before touching the database
    rows: int


def plan(file: CsvFile) -> Plan:
    """Validate every row and order the valid ones managers first; pure, no database."""
    schema = PersonImportRowSchema()
    errors: list[RowError] = []
    valid: dict[int, dict[str, Any]] = {}
    emails_of_failed: dict[str, int] = {}
    for row in file.rows:
        if len(row.values) != len(file.columns):
            errors.append(
                RowError(
                    row.line,
                    None,
                    f"This row has {len(row.values)} cells but the header has "
                    f"{len(file.columns)} columns.",
                )
            )
            continue
        cells = dict(zip(file.columns, row.values, strict=True))
        try:
            valid[row.line] = schema.load(cells)
        except ma.ValidationError as exc:
            errors.extend(_validation_errors(row.line, exc))
            email = cells.get("email", "").strip().lower()
            if email:
                emails_of_failed.setdefault(email, row.line)

    failed: dict[int, str] = {}
    for key in ("email", "external_id"):
        for lines in _duplicates(valid, key).values():
            for line in lines:
                others = ", ".join(str(other) for other in lines if other != line)
                value = valid[line][key]
                failed[line] = f"The {key} {value} is also on row {others}; list each person once."
                errors.append(RowError(line, key, failed[line]))
                emails_of_failed.setdefault(valid[line]["email"], line)
    for line in failed:
        del valid[line]

    by_email = {data["email"]: line for line, data in valid.items()}
    manager_of: dict[int, int] = {}
    for line, data in valid.items():
        manager = data.get("line_manager_email")
        if not manager:
            continue
        if manager == data["email"]:
            failed[line] = "A person cannot be their own line manager."
            errors.append(RowError(line, "line_manager_email", failed[line]))
        elif manager in by_email:
            manager_of[line] = by_email[manager]
        elif manager in emails_of_failed:
            failed[line] = _manager_failed(emails_of_failed[manager])
            errors.append(RowError(line, "line_manager_email", failed[line]))

    depth = _depths([line for line in valid if line not in failed], manager_of, failed, errors)
    order = [
        PlannedRow(line=line, data=valid[line], manager_line=manager_of.get(line))
        for line in sorted(depth, key=lambda line: (depth[line], line))
    ]
    return Plan(columns=frozenset(file.columns), order=order, errors=errors, rows=len(file.rows))


def _validation_errors(line: int, exc: ma.ValidationError) -> list[RowError]:
    messages = exc.messages if isinstance(exc.messages, dict) else {None: exc.messages}
    out = []
    for name, detail in messages.items():
        text = " ".join(detail) if isinstance(detail, list) else str(detail)
        out.append(RowError(line, None if name in (None, "_schema") else str(name), text))
    return out


def _duplicates(valid: dict[int, dict[str, Any]], key: str) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = defaultdict(list)
    for line, data in valid.items():
        if data.get(key):
            lines[data[key]].append(line)
    return {value: found for value, found in lines.items() if len(found) > 1}


def _manager_failed(manager_line: int) -> str:
    return (
        f"This row's line manager is on row {manager_line}, which could not be imported, so "
        "this row was not imported either."
    )


def _depths(
    lines: list[int], manager_of: dict[int, int], failed: dict[int, str], errors: list[RowError]
) -> dict[int, int]:
    """Each row's distance from the top of its management chain within the file.

    A row in a loop, or below a loop or a failed row, gets an error instead (in `failed`).
    """
    depth: dict[int, int] = {}
    for start in lines:
        path: list[int] = []
        on_path: dict[int, int] = {}
        current: int | None = start
        while (
            current is not None
            and current not in depth
            and current not in failed
            and current not in on_path
        ):
            on_path[current] = len(path)
            path.append(current)
            current = manager_of.get(current)
        if current is not None and current in on_path:
            loop = path[on_path[current] :]
            chain = " → ".join(str(line) for line in [*loop, loop[0]])
            for line in loop:
                failed[line] = f"The line managers of rows {chain} form a loop."
                errors.append(RowError(line, "line_manager_email", failed[line]))
            path = path[: on_path[current]]
        for line in reversed(path):  # from the top of the chain down to `start`
            manager = manager_of.get(line)
            if manager is None:
                depth[line] = 0
            elif manager in failed:
                failed[line] = _manager_failed(manager)
                errors.append(RowError(line, "line_manager_email", failed[line]))
            else:
                depth[line] = depth[manager] + 1
    return depth


# --- applying --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({error.row for error in self.errors})

    def as_dict(self) -> dict[str, Any]:
        errors = sorted(
            self.errors, key=lambda e: (e.row, COLUMNS.index(e.field) if e.field in COLUMNS else -1)
        )
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "errors": [
                {"row": e.row, "field": e.field, "message": e.message} for e in errors[:MAX_ERRORS]
            ],
        }


def start_import(*, data: bytes) -> Job:
    """Check that a CSV of staff records can be read and queue its import; return the job."""
    organisation_id = tenancy.current().organisation_id
    if organisation_id is None:
        raise Forbidden(
            "Staff records are imported by their own organisation's admins or API clients; "
            "a platform admin has no organisation to import them into."
        )
    try:
        text = decode(data)
        read_csv(text)  # a file the job could not read is refused now, not in the job
    except Invalid as exc:
        raise Invalid(exc.detail, field="(body)") from exc  # the file is the request body
    return enqueue(db.session, JOB_NAME, tenant_id=organisation_id, csv=text)


def import_people(*, text: str) -> ImportResult:
    """Create or update the caller's organisation's staff from CSV text; return the counts."""
    organisation_id = tenancy.current().organisation_id
    if organisation_id is None:
        raise Forbidden("An import runs as an organisation.")
    file = read_csv(text)
    planned = plan(file)
    result = ImportResult(rows=planned.rows, errors=list(planned.errors))
    people: dict[int, uuid.UUID] = {}  # row → the person it created or updated
    for row in planned.order:
        if row.manager_line is not None and row.manager_line not in people:
            result.errors.append(
                RowError(row.line, "line_manager_email", _manager_failed(row.manager_line))
            )
            continue
        manager_id = people[row.manager_line] if row.manager_line is not None else None
        try:
            with db.session.begin_nested():  # never half a row: all of it, or none of it
                outcome, person_id = _apply_row(row, columns=planned.columns, manager_id=manager_id)
        except DomainError as exc:
            result.errors.append(RowError(row.line, _column(exc.field), exc.detail))
            continue
        except IntegrityError:
            message = "This row clashed with a change made at the same time; import it again."
            result.errors.append(RowError(row.line, None, message))
            continue
        people[row.line] = person_id
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _apply_row(
    row: PlannedRow,
    *,
    columns: frozenset[str],
    manager_id: uuid.UUID | None,
) -> tuple[str, uuid.UUID]:
    """Create or update the row's person; return ("created"|"updated"|"unchanged", its id).

    The job runs as the organisation: the tenancy hook keeps every lookup to its staff.
    """
    data = row.data
    wanted: dict[str, Any] = {name: data[name] for name in REQUIRED_COLUMNS}
    for name in ("job_title", "profession", "seniority"):
        if name in columns:
            wanted[name] = data.get(name)
    if data.get("external_id"):
        wanted["external_id"] = data["external_id"]
    if "line_manager_email" in columns:
        wanted["line_manager_id"] = manager_id or _existing_manager(data.get("line_manager_email"))

    person = _match(data)
    if person is None:
        return "created", service.create_person(**wanted).id
    changes = {name: value for name, value in wanted.items() if getattr(person, name) != value}
    if not changes:
        return "unchanged", person.id
    service.update_person(person=person, changes=changes)
    return "updated", person.id


def _match(data: dict[str, Any]) -> Person | None:
    """The person the row is about: by external_id if it has one, else by email."""
    external_id, email = data.get("external_id"), data["email"]
    key = (
        or_(Person.email == email, Person.external_id == external_id)
        if external_id
        else (Person.email == email)
    )
    found = db.session.scalars(select(Person).where(key)).all()
    if external_id:
        by_id = next((p for p in found if p.external_id == external_id), None)
        if by_id is not None:
            return by_id
    by_email = next((p for p in found if p.email == email), None)
    if by_email is not None and external_id and by_email.external_id is not None:
        raise Invalid(
            f"{by_email.email} already has the external_id {by_email.external_id}; change it "
            "there first if this is the same person.",
            field="external_id",
        )
    return by_email


def _existing_manager(email: str | None) -> uuid.UUID | None:
    if not email:
        return None
    manager_id = db.session.scalar(select(Person.id).where(Person.email == email))
    if manager_id is None:
        raise Invalid(
            f"No one with the email {email} is in this file or your organisation.",
            field="line_manager_email",
        )
    return manager_id


def _column(name: str | None) -> str | None:
    """The CSV column a service error's field stands for."""
    return "line_manager_email" if name == "line_manager_id" else name

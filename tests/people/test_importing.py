"""Reading and planning a CSV import, without a database: header rules, row numbers,
validation, duplicates, and managers ordered before their reports (loops refused)."""

from __future__ import annotations

import pytest

from consortium.core.errors import Invalid
from consortium.people import importing
from consortium.people.importing import Plan, decode, plan, read_csv
from tests.people.helpers import csv_of

SHORT = "given_name,family_name,email,line_manager_email"


def person(name: str, manager: str = "") -> str:
    """A row of the SHORT header: the email is name@x.org."""
    return f"{name.title()},Test,{name}@x.org,{manager and manager + '@x.org'}"


def planned(*rows: str, header: str = SHORT) -> Plan:
    return plan(read_csv(csv_of(*rows, header=header)))


def order(p: Plan) -> list[int]:
    return [row.line for row in p.order]


def errors(p: Plan) -> dict[int, list[tuple[str | None, str]]]:
    out: dict[int, list[tuple[str | None, str]]] = {}
    for e in p.errors:
        out.setdefault(e.row, []).append((e.field, e.message))
    return out


# Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"given_name,family_name,email\n\xff\xfeAda,L,a@x.org\n", "not UTF-8"),
    ],
)
def test_an_empty_or_non_utf8_body_is_refused(body: bytes, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        decode(body)


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    text = decode("\ufeffgiven_name,family_name,email\nAda,L,a@x.org\n".encode())
    assert read_csv(text).columns == ("given_name", "family_name", "email")


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("given_name,family_name", "missing the required column 'email'"),
        ("given_name,family_name,email,mail", "unknown column 'mail'"),
        ("given_name,family_name,email,email", "names 'email' more than once"),
        ("given_name,,family_name,email", "Column 2 of the header row has no name"),
        ("first,last,email", "unknown columns 'first', 'last'. The header row is missing the required columns 'given_name', 'family_name'."),
    ],
)
def test_a_bad_header_is_refused_naming_the_column(header: str, says: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_csv(csv_of("Ada,Lovelace,ada@x.org", header=header))
    assert says in caught.value.detail
    assert "The columns are: given_name, family_name, email" in caught.value.detail


def test_header_names_are_trimmed_and_case_insensitive_and_columns_may_come_in_any_order() -> None:
    file = read_csv(csv_of("ada@x.org,Ada,Lovelace", header=" Email ,Given_Name,FAMILY_NAME"))
    assert file.columns == ("email", "given_name", "family_name")
    p = plan(file)
    assert p.errors == []
    assert p.order[0].data == {"email": "ada@x.org", "given_name": "Ada", "family_name": "Lovelace"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "header row"),
        ("\nAda,L,a@x.org\n", "header row"),
        ("given_name,family_name,email\n", "no people"),
        ("given_name,family_name,email\n\n,,\n", "no people"),
        ('given_name,family_name,email\n"Ada,L,a@x.org\n', "not valid CSV"),
        ('given_name,family_name,email\nA"d"a,L,a@x.org\n"Ada"x,L,b@x.org\n', "not valid CSV at line 3"),
    ],
)
def test_a_file_without_people_or_not_csv_is_refused(text: str, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        read_csv(text)


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [person(f"p{i}") for i in range(3)]
    assert len(read_csv(csv_of(*rows, header=SHORT)).rows) == 3
    with pytest.raises(Invalid, match="more than 3 people"):
        read_csv(csv_of(*rows, person("p4"), header=SHORT))


def test_rows_are_numbered_by_the_line_they_start_on() -> None:
    text = (
        "given_name,family_name,email,job_title\r\n"  # line 1
        "Ada,Lovelace,ada@x.org,\r\n"  # line 2
        "\r\n"  # line 3: blank, skipped but counted
        'Bo,Ng,bo@x.org,"Head of\r\nEverything"\r\n'  # lines 4-5: a quoted line break
        ",,,\r\n"  # line 6: blank cells, skipped
        "Cy,Oh,cy@x.org,Nurse"  # line 7, no final newline
    )
    file = read_csv(text)
    assert [row.line for row in file.rows] == [2, 4, 7]
    p = plan(file)
    assert p.rows == 3
    assert p.order[1].data["job_title"] == "Head of\r\nEverything"


# Validating ---------------------------------------------------------------------------------


def test_rows_are_validated_like_the_api_and_name_the_field() -> None:
    p = planned(
        "Ada,Lovelace,ada@x.org,7,ESR-1",  # 2: fine
        "Bo,Ng,not-an-email,5,",  # 3
        "Cy,Oh,cy@x.org,10,",  # 4
        "Di,Ek,di@x.org,5.0,",  # 5
        ",Ek,ed@x.org,,",  # 6
        "Fi," + "x" * 101 + ",fi@x.org,,",  # 7
        "Gu,Ek,gu@x.org,,",  # 8: fine, no seniority
        "Ha,Ek,ha@x.org,3",  # 9: a cell short
        "Io,Ek,io@x.org,3,,extra",  # 10: a cell too many
        "Jo,Ek,jo@x.org,3,e\x00",  # 11
        header="given_name,family_name,email,seniority,external_id",
    )
    assert order(p) == [2, 8]
    assert p.order[0].data == {
        "given_name": "Ada", "family_name": "Lovelace", "email": "ada@x.org", "seniority": 7,
        "external_id": "ESR-1",
    }
    assert p.order[1].data["seniority"] is None and p.order[1].data["external_id"] is None
    found = errors(p)
    assert [f for f, _ in found[3]] == ["email"]
    assert found[4] == [("seniority", "Must be greater than or equal to 1 and less than or equal to 9.")]
    assert found[5] == [("seniority", "Not a valid integer.")]
    assert found[6] == [("given_name", "Missing data for required field.")]
    assert [f for f, _ in found[7]] == ["family_name"]
    assert found[9] == [(None, "This row has 4 cells but the header has 5 columns.")]
    assert found[10] == [(None, "This row has 6 cells but the header has 5 columns.")]
    assert [f for f, _ in found[11]] == ["external_id"]


def test_emails_are_lower_cased_and_cells_trimmed() -> None:
    p = planned(" Ada , Lovelace , Ada@X.org , BOSS@x.org ", person("boss"))
    assert p.errors == []
    assert p.order[1].data == {
        "given_name": "Ada", "family_name": "Lovelace", "email": "ada@x.org",
        "line_manager_email": "boss@x.org",
    }


def test_a_person_listed_twice_fails_on_every_row_that_lists_them() -> None:
    p = planned(
        "Ada,L,ada@x.org,E1",  # 2
        "Ada,Lovelace,ADA@x.org,E2",  # 3: same email
        "Bo,N,bo@x.org,E3",  # 4
        "Bo,Other,bo2@x.org,E3",  # 5: same external_id
        "Cy,O,cy@x.org,",  # 6
        header="given_name,family_name,email,external_id",
    )
    assert order(p) == [6]
    found = errors(p)
    assert found[2] == [("email", "The email ada@x.org is also on row 3; list each person once.")]
    assert found[3] == [("email", "The email ada@x.org is also on row 2; list each person once.")]
    assert found[4] == [("external_id", "The external_id E3 is also on row 5; list each person once.")]
    assert [f for f, _ in found[5]] == ["external_id"]


# Ordering -----------------------------------------------------------------------------------


def test_managers_come_before_their_reports_whatever_the_file_order() -> None:
    p = planned(
        person("intern", "nurse"),  # 2
        person("nurse", "matron"),  # 3
        person("other"),  # 4
        person("matron", "director"),  # 5
        person("director"),  # 6
        person("outside", "someone.elsewhere"),  # 7: manager not in the file
    )
    assert p.errors == []
    assert order(p) == [4, 6, 7, 5, 3, 2]
    by_line = {row.line: row for row in p.order}
    assert by_line[2].manager_line == 3 and by_line[5].manager_line == 6
    assert by_line[7].manager_line is None  # resolved against the organisation when applied


def test_a_long_chain_is_ordered_without_recursion() -> None:
    rows = [person("p0")] + [person(f"p{i}", f"p{i - 1}") for i in range(1, 3000)]
    p = planned(*reversed(rows))
    assert p.errors == []
    assert [row.data["email"] for row in p.order] == [f"p{i}@x.org" for i in range(3000)]


def test_a_loop_of_managers_fails_those_rows_and_the_rows_below_them() -> None:
    p = planned(
        person("a", "b"),  # 2
        person("b", "c"),  # 3
        person("c", "a"),  # 4
        person("d", "c"),  # 5: reports into the loop
        person("e", "d"),  # 6: below that
        person("f", "f"),  # 7: their own manager
        person("g", "f"),  # 8
        person("h"),  # 9: fine
    )
    assert order(p) == [9]
    found = errors(p)
    loop = "The line managers of rows 2 → 3 → 4 → 2 form a loop."
    assert found[2] == found[3] == found[4] == [("line_manager_email", loop)]
    assert found[5] == [("line_manager_email", importing._manager_failed(4))]
    assert found[6] == [("line_manager_email", importing._manager_failed(5))]
    assert found[7] == [("line_manager_email", "A person cannot be their own line manager.")]
    assert found[8] == [("line_manager_email", importing._manager_failed(7))]
    assert "row 4, which could not be imported" in found[5][0][1]


def test_a_row_whose_manager_row_is_invalid_fails_too() -> None:
    p = planned(
        "Boss,Test,boss@x.org,not-an-email-either",  # 2: invalid manager email
        person("report", "boss"),  # 3
        person("twice"),  # 4
        person("twice"),  # 5
        person("below", "twice"),  # 6
    )
    assert order(p) == []
    found = errors(p)
    assert found[2][0][0] == "line_manager_email"
    assert found[3] == [("line_manager_email", importing._manager_failed(2))]
    assert found[6] == [("line_manager_email", importing._manager_failed(4))]

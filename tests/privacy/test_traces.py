"""What erasure looks for in text, and how it replaces it (no database)."""

from __future__ import annotations

import uuid

from consortium.privacy.erasure import Traces, _postgres_pattern, pseudonymous_email

PERSON = uuid.UUID("7a5b6377-504e-40af-b258-8985ba58505c")
TRACES = Traces(PERSON, "sam.o'neill@gamma-fire.example.org", "Sam", "O'Neill")


def test_email_full_name_and_each_name_as_a_word_are_replaced_case_insensitively() -> None:
    text = "Approved by SAM O'NEILL (sam.o'neill@gamma-fire.example.org); Sam said yes."
    assert TRACES.scrub(text) == "Approved by [erased] ([erased]); [erased] said yes."


def test_other_words_that_contain_a_name_are_left_alone() -> None:
    assert TRACES.scrub("Samantha and Sammy met in Samarkand.") == (
        "Samantha and Sammy met in Samarkand."
    )


def test_the_needles_that_mark_a_text_as_theirs_are_lower_cased() -> None:
    assert TRACES.needles == sorted(
        {str(PERSON), "sam.o'neill@gamma-fire.example.org", "sam o'neill"}
    )


def test_the_pseudonymous_address_is_the_one_the_audit_function_checks_for() -> None:
    # The SQL guard builds it as 'erased-' || replace(id::text, '-', '') || '@erased.invalid'.
    assert pseudonymous_email(PERSON) == f"erased-{str(PERSON).replace('-', '')}@erased.invalid"


def test_postgres_spells_word_boundaries_its_own_way() -> None:
    pattern = _postgres_pattern(TRACES)
    assert r"\mSam\M" in pattern and r"\b" not in pattern


def test_json_values_are_scrubbed_string_by_string_keeping_their_shape() -> None:
    short = Traces(PERSON, "n.u@example.org", "n", "u")
    value = {"body": "n wrote:\nline two, café", "list": ["u", 3, None], "n": True}
    assert short.scrub_json(value) == {
        "body": "[erased] wrote:\nline two, café",
        "list": ["[erased]", 3, None],
        "[erased]": True,
    }

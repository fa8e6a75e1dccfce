"""Finding the JSON in a local reply and checking it against the request's contract."""

import pytest

from router_service.json_reply import extract_json, schema_errors
from router_service.output_guard import reply_problem

OBJECT = {"kind": "object", "schema": None}
ANY = {"kind": "any", "schema": None}
SCHEMA = {
    "kind": "any",
    "schema": {
        "type": "object",
        "properties": {"open": {"type": "boolean"}},
        "required": ["open"],
    },
}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"open": true}', '{"open": true}'),
        ('  {"open": true}\n', '{"open": true}'),
        ('```json\n{"open": true}\n```', '{"open": true}'),
        ("Sure! Here it is:\n```\n[1, 2]\n```\nAnything else?", "[1, 2]"),
        ('Here you go: {"a": {"b": "}"}} - enjoy', '{"a": {"b": "}"}}'),
        ('See [note 1]. The answer: {"open": false}', '{"open": false}'),
    ],
)
def test_json_is_found_raw_fenced_or_in_prose(reply: str, expected: str) -> None:
    found = extract_json(reply)
    assert found is not None and found.text == expected


@pytest.mark.parametrize("reply", ["", "   ", "We open at 9.", '{"open": tru', "```json\n{\n```"])
def test_no_json_is_found_where_there_is_none(reply: str) -> None:
    assert extract_json(reply) is None


def test_reply_problems_follow_the_contract() -> None:
    assert reply_problem('```json\n{"open": true}\n```', OBJECT) == ('{"open": true}', None)
    assert reply_problem("[1, 2]", ANY) == ("[1, 2]", None)
    assert reply_problem("[1, 2]", OBJECT)[1] == "the reply is JSON but not an object"
    assert reply_problem("42", ANY)[1] is not None
    assert reply_problem("", OBJECT)[1] == "the reply is empty"
    assert reply_problem("We open at 9.", OBJECT)[1] == "the reply holds no JSON"
    assert reply_problem('{"open": true}', SCHEMA) == ('{"open": true}', None)
    problem = reply_problem('{"open": "yes"}', SCHEMA)[1]
    assert problem is not None and "schema" in problem


def test_an_invalid_schema_is_reported_not_raised() -> None:
    assert schema_errors({"a": 1}, {"type": "no-such-type"})[0].startswith("the request's schema")

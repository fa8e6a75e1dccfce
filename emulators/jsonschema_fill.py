"""Build a JSON value that satisfies a (practical subset of) JSON Schema.

Used for Ollama's schema ``format``, Anthropic's ``output_format`` and the
``input`` of a forced ``tool_use``. Supported: ``type`` (also lists),
``enum``/``const``, ``properties``/``required``, ``items``/``prefixItems``,
``minItems``/``maxItems``, ``minLength``/``maxLength``, numeric bounds,
common string ``format``s, ``anyOf``/``oneOf``/``allOf`` and local ``$ref``.
``pattern`` and ``multipleOf`` are not honoured.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

MAX_DEPTH = 8
TEXT_FIELDS = frozenset({"answer", "reply", "response", "text", "message", "content", "summary"})

_FORMAT_EXAMPLES: Mapping[str, str] = MappingProxyType(
    {
        "date-time": "2025-01-01T09:00:00Z",
        "date": "2025-01-01",
        "time": "09:00:00",
        "email": "info@example.com",
        "uri": "https://example.com",
        "url": "https://example.com",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }
)


def fill_schema(schema: Mapping[str, Any], answer: str) -> Any:
    """Return a value valid against ``schema``; text-like fields carry ``answer``."""
    return _fill(schema, schema, answer, "value", 0)


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if not part:
            continue
        key = part.replace("~1", "/").replace("~0", "~")
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def _pick_type(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _fill(
    root: Mapping[str, Any], schema: Mapping[str, Any], answer: str, name: str, depth: int
) -> Any:
    if depth > MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _fill(root, _resolve(root, str(schema["$ref"])), answer, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            non_null = [b for b in branches if isinstance(b, Mapping) and b.get("type") != "null"]
            return _fill(root, (non_null or branches)[0], answer, name, depth + 1)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        merged: dict[str, Any] = {}
        for part in all_of:
            value = _fill(root, part, answer, name, depth + 1)
            if not isinstance(value, dict):
                return value
            merged.update(value)
        return merged
    return _fill_typed(root, schema, _pick_type(schema), answer, name, depth)


def _fill_typed(
    root: Mapping[str, Any],
    schema: Mapping[str, Any],
    kind: str,
    answer: str,
    name: str,
    depth: int,
) -> Any:
    if kind == "object":
        return _fill_object(root, schema, answer, depth)
    if kind == "array":
        return _fill_array(root, schema, answer, name, depth)
    if kind == "integer":
        return int(_number(schema, 1, integer=True))
    if kind == "number":
        return _number(schema, 1.5, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, answer, name)


def _fill_object(
    root: Mapping[str, Any], schema: Mapping[str, Any], answer: str, depth: int
) -> dict[str, Any]:
    properties = schema.get("properties")
    props: Mapping[str, Any] = properties if isinstance(properties, Mapping) else {}
    result = {key: _fill(root, sub, answer, key, depth + 1) for key, sub in props.items()}
    for key in schema.get("required", []) or []:
        result.setdefault(str(key), answer if key in TEXT_FIELDS else f"{key} value")
    return result


def _fill_array(
    root: Mapping[str, Any], schema: Mapping[str, Any], answer: str, name: str, depth: int
) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and prefix:
        return [_fill(root, sub, answer, name, depth + 1) for sub in prefix]
    count = max(int(schema.get("minItems", 1)), 1)
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    items = schema.get("items")
    item_schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
    value = _fill(root, item_schema, answer, name, depth + 1)
    if schema.get("uniqueItems") and count > 1 and isinstance(value, str):
        return [f"{value} {i + 1}" for i in range(count)]
    return [value for _ in range(count)]


def _number(schema: Mapping[str, Any], default: float, *, integer: bool) -> float:
    step = 1.0 if integer else 0.5
    low: float | None = None
    if "minimum" in schema:
        low = float(schema["minimum"])
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
        low = float(schema["exclusiveMinimum"]) + step
    high: float | None = None
    if "maximum" in schema:
        high = float(schema["maximum"])
    if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
        high = float(schema["exclusiveMaximum"]) - step
    value = default if low is None else max(low, default) if high is None else low
    if high is not None and value > high:
        value = high if low is None else (low + high) / 2
    return float(int(value)) if integer else value


def _string(schema: Mapping[str, Any], answer: str, name: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[fmt]
    text = answer if name in TEXT_FIELDS or name == "value" else f"{name} value"
    min_length = int(schema.get("minLength", 0))
    if len(text) < min_length:
        text = text + "." * (min_length - len(text))
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text

"""Read an IAM-style policy in every form: JSON string, `jsonencode` token, policy-document data source."""

from __future__ import annotations

import json
import re
from typing import Any

from policies.model import Resource, StackView, blocks_of

_JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<body>.*)\)\}$", re.DOTALL)
_DOC_REF = re.compile(r"^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(json|minified_json)\}$")


class PolicyUnreadable(ValueError):
    """The policy is built in a way no rule can analyse (e.g. file() or an unknown expression)."""


def statements(value: Any, view: StackView) -> list[dict[str, Any]]:
    """Normalised statements: Effect, Action, NotAction, Resource, NotResource, Principal, Condition (lists)."""
    document = _document(value, view)
    raw = document.get("Statement", []) if isinstance(document, dict) else []
    raw = [raw] if isinstance(raw, dict) else raw
    return [_normalise(s) for s in raw if isinstance(s, dict)]


def _document(value: Any, view: StackView) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        raise PolicyUnreadable("empty policy")
    text = value.strip()
    match = _DOC_REF.match(text)
    if match:
        data = view.get("aws_iam_policy_document", match.group(1), mode="data")
        if data is None:
            raise PolicyUnreadable(f"policy document data.aws_iam_policy_document.{match.group(1)} is not in the stack")
        return document_from_data_source(data, view)
    match = _JSONENCODE.match(text)
    if match:
        parsed = HclExpression(match.group("body")).parse()
        if not isinstance(parsed, dict):
            raise PolicyUnreadable("jsonencode() of something other than an object")
        return parsed
    try:
        parsed = json.loads(text)
    except ValueError:
        raise PolicyUnreadable(f"not JSON, jsonencode() or a policy document reference: {text[:60]!r}") from None
    if not isinstance(parsed, dict):
        raise PolicyUnreadable("policy JSON is not an object")
    return parsed


def document_from_data_source(data: Resource, view: StackView) -> dict[str, Any]:
    """aws_iam_policy_document -> policy JSON, including source/override documents it merges."""
    merged: list[dict[str, Any]] = []
    for key in ("source_policy_documents", "override_policy_documents"):
        for ref in data.get(key) or []:
            merged.extend(_document(ref, view).get("Statement", []))
    for block in blocks_of(data.get("statement")):
        statement: dict[str, Any] = {"Effect": block.get("effect", "Allow")}
        for tf_key, json_key in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if block.get(tf_key):
                statement[json_key] = block[tf_key]
        for tf_key, json_key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals: dict[str, list[str]] = {}
            for p in blocks_of(block.get(tf_key)):
                principals.setdefault(p.get("type", ""), []).extend(p.get("identifiers") or [])
            if principals:
                statement[json_key] = principals
        conditions: dict[str, dict[str, Any]] = {}
        for c in blocks_of(block.get("condition")):
            conditions.setdefault(c.get("test", ""), {})[c.get("variable", "")] = c.get("values") or []
        if conditions:
            statement["Condition"] = conditions
        merged.append(statement)
    return {"Version": "2012-10-17", "Statement": merged}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _normalise(statement: dict[str, Any]) -> dict[str, Any]:
    principal = statement.get("Principal")
    if principal == "*":
        principal = {"AWS": ["*"]}
    elif isinstance(principal, dict):
        principal = {k: _as_list(v) for k, v in principal.items()}
    return {
        "Sid": statement.get("Sid", ""),
        "Effect": statement.get("Effect", "Allow"),
        "Action": _as_list(statement.get("Action")),
        "NotAction": _as_list(statement.get("NotAction")),
        "Resource": _as_list(statement.get("Resource")),
        "NotResource": _as_list(statement.get("NotResource")),
        "Principal": principal or {},
        "Condition": statement.get("Condition") or {},
    }


def principal_ids(statement: dict[str, Any]) -> list[str]:
    return [i for ids in statement["Principal"].values() for i in ids]


class HclExpression:
    """A small parser for the HCL object/tuple literals cdktf writes inside `${jsonencode(...)}`.

    References and function calls come back as `${...}` strings, as Terraform JSON would write them.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Any:
        try:
            value = self._value()
        except IndexError:
            raise PolicyUnreadable("jsonencode() ends before its object or list is closed") from None
        self._skip()
        if self.pos != len(self.text):
            raise PolicyUnreadable(
                f"unexpected text in jsonencode() at {self.pos}: {self.text[self.pos : self.pos + 20]!r}"
            )
        return value

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n,":
            self.pos += 1

    def _value(self) -> Any:
        self._skip()
        if self.pos >= len(self.text):
            raise PolicyUnreadable("jsonencode() ends early")
        char = self.text[self.pos]
        if char == "{":
            return self._object()
        if char == "[":
            return self._tuple()
        if char == '"':
            return self._string()
        return self._bare()

    def _object(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self._skip()
            if self.text[self.pos] == "}":
                self.pos += 1
                return result
            key = self._string() if self.text[self.pos] == '"' else self._identifier()
            self._skip()
            if self.text[self.pos] not in "=:":
                raise PolicyUnreadable(f"expected '=' after key {key!r} in jsonencode()")
            self.pos += 1
            result[key] = self._value()

    def _tuple(self) -> list[Any]:
        self.pos += 1
        items = []
        while True:
            self._skip()
            if self.text[self.pos] == "]":
                self.pos += 1
                return items
            items.append(self._value())

    def _string(self) -> str:
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                nxt = self.text[self.pos + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise PolicyUnreadable("unterminated string in jsonencode()")

    def _identifier(self) -> str:
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(self.text, self.pos)
        if not match:
            raise PolicyUnreadable(f"expected a key in jsonencode() at {self.pos}")
        self.pos = match.end()
        return match.group(0)

    def _bare(self) -> Any:
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            elif char == '"':
                self._string()
                continue
            self.pos += 1
        token = self.text[start : self.pos].strip()
        literals = {"true": True, "false": False, "null": None}
        if token in literals:
            return literals[token]
        try:
            return json.loads(token)
        except ValueError:
            return "${" + token + "}"

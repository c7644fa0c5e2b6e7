"""Read a policy document in every form a stack writes it, or say exactly why it cannot be read.

Forms: a JSON string, an object, a `${jsonencode(...)}` token (parsed with bc-python-hcl2, the HCL2 parser
Checkov itself pins), a reference to an `aws_iam_policy_document` data source (with its source and override
documents), and a reference to another resource's policy attribute in the same stack. Anything else (a
`dynamic "statement"`, `actions = "${var.x}"`, a `for` expression, `file()`, a variable) is unreadable: the rules
fail the resource with `PolicyUnreadable`'s message instead of passing a policy they did not read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from policies.model import Resource, StackView, Unreadable

HOW_TO_FIX = (
    "write the policy as literal JSON, Fn.jsonencode of literals and resource references, or an "
    "aws_iam_policy_document with literal statements; or suppress the rule on this construct with a reason"
)
_JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<body>.*)\)\}$", re.DOTALL)
# Attributes that hold a whole policy document on the resource that carries them (another resource's policy may be
# written as a reference to one of these)
POLICY_ATTRIBUTES = frozenset(
    {
        "policy",
        "access_policy",
        "access_policies",
        "policy_document",
        "resource_policy",
        "repository_policy",
        "delivery_destination_policy",
    }
)
_REFERENCE = re.compile(r"^\$\{(?P<ref>(?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.(?P<attr>[a-z_]+)\}$")
# A Terraform interpolation that is not the `$${...}` escape IAM policy variables are written with.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<expr>[^}]*)\}")
# Values resolved only at plan time from inputs the stack does not show: they could be anything, even "*".
_OPAQUE = re.compile(r"^\s*(var|local|module|each|count|path|terraform)\.|\(|\bfor\b|\?")


class PolicyUnreadable(Unreadable):
    """The policy is written in a way no rule can analyse; the message names what and how to make it readable."""


@dataclass(frozen=True)
class Condition:
    operator: str  # as written: StringEquals, ForAnyValue:StringLike, BoolIfExists, ...
    key: str  # lower case (condition keys are case-insensitive)
    values: tuple[str, ...]

    @property
    def base_operator(self) -> str:
        """The operator without set qualifier and IfExists, lower case: stringequals, bool, arnlike, ..."""
        op = self.operator.split(":")[-1].lower()
        return op[: -len("ifexists")] if op.endswith("ifexists") else op

    @property
    def if_exists(self) -> bool:
        return self.operator.lower().endswith("ifexists")


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str  # Allow or Deny
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: dict[str, tuple[str, ...]] | None  # None: no Principal element (identity policy)
    not_principals: dict[str, tuple[str, ...]] | None
    conditions: tuple[Condition, ...]
    source: str = "policy"  # where it was read: "policy", "inline policy x", "trust policy", ...

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def label(self) -> str:
        return f"{self.source} statement {self.sid or '(no Sid)'}"

    def principal_ids(self) -> list[str]:
        return [i for ids in (self.principals or {}).values() for i in ids]

    def condition_keys(self) -> set[str]:
        return {c.key for c in self.conditions}


def statements(value: Any, view: StackView, source: str = "policy") -> list[Statement]:
    """The policy's statements; raises PolicyUnreadable naming what could not be read."""
    document = read_document(value, view)
    raw = document.get("Statement")
    if raw is None:
        raise PolicyUnreadable(f"{source} has no Statement element")
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list):
        raise PolicyUnreadable(f"{source}: Statement is {_show(raw)}, not a list of statements; {HOW_TO_FIX}")
    return [_statement(s, index, source) for index, s in enumerate(raw)]


def read_document(value: Any, view: StackView, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        raise PolicyUnreadable(f"the policy is {_show(value)}, not a policy document")
    text = value.strip()
    match = _REFERENCE.match(text)
    if match:
        return _referenced(match.group("ref"), match.group("attr"), view, seen)
    match = _JSONENCODE.match(text)
    if match:
        parsed = parse_hcl_expression(match.group("body"))
        if not isinstance(parsed, dict):
            raise PolicyUnreadable(f"jsonencode() of {_show(parsed)}, not an object; {HOW_TO_FIX}")
        return parsed
    if text.startswith("${"):
        raise PolicyUnreadable(
            f"the policy is the expression {text[:80]!r}, which only Terraform can evaluate; {HOW_TO_FIX}"
        )
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise PolicyUnreadable(f"the policy is not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(parsed, dict):
        raise PolicyUnreadable(f"the policy JSON is {_show(parsed)}, not an object")
    return parsed


def _referenced(ref: str, attr: str, view: StackView, seen: frozenset[str]) -> dict[str, Any]:
    if ref in seen:
        raise PolicyUnreadable(f"{ref} refers to itself")
    mode, rest = ("data", ref[5:]) if ref.startswith("data.") else ("resource", ref)
    rtype, name = rest.split(".", 1)
    target = view.get(rtype, name, mode)
    if target is None:
        raise PolicyUnreadable(f"the policy comes from {ref}, which is not in this stack; {HOW_TO_FIX}")
    if rtype == "aws_iam_policy_document" and attr in ("json", "minified_json"):
        try:
            return document_from_data_source(target, view, seen | {ref})
        except PolicyUnreadable:
            raise
        except Unreadable as error:  # a statement built by a dynamic block no rule can read
            raise PolicyUnreadable(str(error)) from None
    if attr in POLICY_ATTRIBUTES and mode == "resource":
        return read_document(target.get(attr), view, seen | {ref})
    raise PolicyUnreadable(f"the policy is {ref}.{attr}, whose content this stack does not show; {HOW_TO_FIX}")


def document_from_data_source(data: Resource, view: StackView, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """aws_iam_policy_document -> policy JSON, as the provider merges it: source documents, then this document's
    statements, then override documents (a statement whose Sid matches replaces the earlier one)."""
    where = f"data.aws_iam_policy_document.{data.name}"
    if "dynamic" in data.config:
        raise PolicyUnreadable(f"{where} builds statements with a dynamic block; {HOW_TO_FIX}")
    merged: list[dict[str, Any]] = []

    def add(statement: dict[str, Any]) -> None:
        sid = statement.get("Sid")
        if sid:
            for index, existing in enumerate(merged):
                if existing.get("Sid") == sid:
                    merged[index] = statement
                    return
        merged.append(statement)

    for ref in _list_of(data.get("source_policy_documents"), f"{where}.source_policy_documents"):
        for s in _raw_statements(read_document(ref, view, seen), where):
            add(s)
    for block in _list_of(data.get("statement"), f"{where}.statement"):
        if not isinstance(block, dict):
            raise PolicyUnreadable(f"{where} has a statement written as {_show(block)}; {HOW_TO_FIX}")
        add(_statement_from_block(block, where))
    for ref in _list_of(data.get("override_policy_documents"), f"{where}.override_policy_documents"):
        for s in _raw_statements(read_document(ref, view, seen), where):
            add(s)
    return {"Version": data.get("version") or "2012-10-17", "Statement": merged}


def _statement_from_block(block: dict[str, Any], where: str) -> dict[str, Any]:
    if "dynamic" in block:
        raise PolicyUnreadable(f"{where} has a statement with a dynamic block; {HOW_TO_FIX}")
    statement: dict[str, Any] = {"Effect": block.get("effect", "Allow")}
    if block.get("sid"):
        statement["Sid"] = block["sid"]
    for tf_key, json_key in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if block.get(tf_key) is not None:
            statement[json_key] = _list_of(block[tf_key], f"{where} {tf_key}")
    for tf_key, json_key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if block.get(tf_key) is None:
            continue
        principals: dict[str, list[str]] = {}
        for p in _list_of(block[tf_key], f"{where} {tf_key}"):
            if not isinstance(p, dict):
                raise PolicyUnreadable(f"{where} {tf_key} is {_show(p)}; {HOW_TO_FIX}")
            kind = p.get("type", "")
            principals.setdefault(kind, []).extend(_list_of(p.get("identifiers"), f"{where} {tf_key}"))
        statement[json_key] = principals
    conditions: dict[str, dict[str, Any]] = {}
    for c in _list_of(block.get("condition"), f"{where} condition"):
        if not isinstance(c, dict):
            raise PolicyUnreadable(f"{where} condition is {_show(c)}; {HOW_TO_FIX}")
        values = _list_of(c.get("values"), f"{where} condition {c.get('variable')}")
        conditions.setdefault(str(c.get("test", "")), {}).setdefault(str(c.get("variable", "")), []).extend(values)
    if conditions:
        statement["Condition"] = conditions
    return statement


def _raw_statements(document: dict[str, Any], where: str) -> list[dict[str, Any]]:
    raw = document.get("Statement", [])
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise PolicyUnreadable(f"{where}: a merged document's Statement is {_show(raw)}; {HOW_TO_FIX}")
    return raw


def _list_of(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    whole = _INTERPOLATION.fullmatch(value) if isinstance(value, str) else None
    if whole and _OPAQUE.search(whole.group("expr")):
        raise PolicyUnreadable(f"{where} is the expression {value[:80]!r}, not a list; {HOW_TO_FIX}")
    return [value]


def _statement(raw: Any, index: int, source: str) -> Statement:
    where = f"{source} statement {index + 1}"
    if not isinstance(raw, dict):
        raise PolicyUnreadable(f"{where} is {_show(raw)}, not an object; {HOW_TO_FIX}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyUnreadable(f"{where} has Effect {_show(effect)}; IAM accepts only Allow or Deny")
    sid = raw.get("Sid") or ""
    where = f"{source} statement {sid or index + 1}"
    # A Deny grants nothing: a value only Terraform can evaluate there leaves the grants readable. It is kept as
    # written, and a rule that needs the deny (TLS-only) reads it as not covering what it must.
    deny = effect == "Deny"
    actions = _strings(raw.get("Action"), f"{where} Action", literal=True, deny=deny)
    not_actions = _strings(raw.get("NotAction"), f"{where} NotAction", literal=True, deny=deny)
    if bool(actions) == bool(not_actions):
        raise PolicyUnreadable(f"{where} needs exactly one of Action and NotAction")
    return Statement(
        sid=str(sid),
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=_strings(raw.get("Resource"), f"{where} Resource", deny=deny),
        not_resources=_strings(raw.get("NotResource"), f"{where} NotResource", deny=deny),
        principals=_principals(raw.get("Principal"), f"{where} Principal", deny),
        not_principals=_principals(raw.get("NotPrincipal"), f"{where} NotPrincipal", deny),
        conditions=_conditions(raw.get("Condition"), where, deny),
        source=source,
    )


def _strings(value: Any, where: str, literal: bool = False, deny: bool = False) -> tuple[str, ...]:
    if deny and isinstance(value, str) and _INTERPOLATION.fullmatch(value):
        return (value,)
    items = _list_of(value, where)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise PolicyUnreadable(f"{where} holds {_show(item)}, not a string; {HOW_TO_FIX}")
        for match in _INTERPOLATION.finditer(item):
            if not deny and (literal or _OPAQUE.search(match.group("expr"))):
                raise PolicyUnreadable(
                    f"{where} holds {item[:80]!r}, which only Terraform can evaluate (it could be anything, even *); "
                    + HOW_TO_FIX
                )
        out.append(item.replace("$${", "${"))  # the escape Terraform turns into an IAM policy variable
    return tuple(out)


def _principals(value: Any, where: str, deny: bool = False) -> dict[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"AWS": ("*",)}
    if not isinstance(value, dict):
        raise PolicyUnreadable(f"{where} is {_show(value)}; {HOW_TO_FIX}")
    return {str(kind): _strings(ids, f"{where} {kind}", deny=deny) for kind, ids in value.items()}


def _conditions(value: Any, where: str, deny: bool = False) -> tuple[Condition, ...]:
    if value in (None, {}):
        return ()
    if not isinstance(value, dict):
        raise PolicyUnreadable(f"{where} Condition is {_show(value)}; {HOW_TO_FIX}")
    found = []
    for operator, tests in value.items():
        if not isinstance(tests, dict):
            raise PolicyUnreadable(f"{where} Condition {operator} is {_show(tests)}; {HOW_TO_FIX}")
        for key, values in tests.items():
            raw = [values] if deny and isinstance(values, str) else _list_of(values, f"{where} {key}")
            items = [str(v).lower() if isinstance(v, bool) else v for v in raw]
            values = _strings(items, f"{where} Condition {key}", deny=deny)
            found.append(Condition(str(operator), str(key).lower(), values))
    return tuple(found)


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_hcl_expression(body: str) -> Any:
    """The value of an HCL expression (what cdktf writes inside `${jsonencode(...)}`), as Terraform JSON would
    write it: references and calls come back as `${...}` strings, which the statement reader then judges."""
    import hcl2  # bc-python-hcl2, pinned by Checkov

    try:
        parsed = hcl2.loads(f"value = {body}\n")
    except Exception as error:  # lark raises many exception types; all mean the same thing here
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PolicyUnreadable(f"jsonencode() body is not an HCL expression ({first[:100]})") from None
    return _unescape(parsed["value"][0])


_ESCAPES = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|["\\nrt])')


def _unescape(value: Any) -> Any:
    """bc-python-hcl2 keeps HCL string escapes as written; IAM sees them decoded."""
    if isinstance(value, dict):
        return {_unescape(k): _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, str):
        simple = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
        return _ESCAPES.sub(lambda m: simple.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), value)
    return value

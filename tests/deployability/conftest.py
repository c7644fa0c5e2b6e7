"""AWS constraints that `terraform validate` and the emulator do not check, read from the synthesized stacks.

Each test names, in its docstring, the AWS documentation page whose constraint it encodes (test_citations holds
every test to that). The environment and the account baseline come from tests/conftest.py (each synthesized once).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import Synthesized


def policy_statements(synth: Synthesized, role_address: str) -> list[dict[str, Any]]:
    """The statements of every inline policy attached to a role (`aws_iam_role.<name>`)."""
    name = role_address.split(".", 1)[1]
    statements = []
    for policy in synth.resources("aws_iam_role_policy").values():
        if f"aws_iam_role.{name}." not in policy["role"]:
            continue
        match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}", policy["policy"])
        assert match, f"the policy of {role_address} is not an aws_iam_policy_document"
        statements += synth.document["data"]["aws_iam_policy_document"][match.group(1)]["statement"]
    return statements


def allows(statements: list[dict[str, Any]], action: str, resource: str | None = None) -> bool:
    return any(
        s.get("effect", "Allow") == "Allow"
        and action in s["actions"]
        and (resource is None or resource in s.get("resources", []))
        for s in statements
    )


def role_of(reference: str) -> str:
    """`${aws_iam_role.x.arn}` -> `aws_iam_role.x`."""
    match = re.fullmatch(r"\$\{(aws_iam_role\.[^.]+)\.arn\}", reference)
    assert match, reference
    return match.group(1)


def key_policy(synth: Synthesized, key_reference: str) -> list[dict[str, Any]]:
    """The key policy statements of `${aws_kms_key.x.arn}`."""
    name = re.search(r"aws_kms_key\.([^.]+)\.", key_reference).group(1)
    policy = synth.resources("aws_kms_key")[name]["policy"]
    document = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}", policy).group(1)
    return synth.document["data"]["aws_iam_policy_document"][document]["statement"]


def job_arguments(synth: Synthesized) -> dict[str, str]:
    return next(iter(synth.resources("aws_glue_job").values()))["default_arguments"]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

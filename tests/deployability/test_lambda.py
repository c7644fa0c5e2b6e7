"""Lambda: what CreateFunction and a VPC without internet demand of the platform's three functions."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT
from tests.deployability.conftest import allows, policy_statements, role_of

# The AWS APIs each function's code calls (read from its source below) and the VPC endpoint that serves each.
ENDPOINT_OF_CLIENT = {
    "secretsmanager": "secretsmanager",
    "glue": "glue",
    "cloudwatch": "monitoring",
    "rds-data": "rds-data",
}


def test_active_tracing_needs_xray_permissions_on_the_execution_role(ephemeral):
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html - with active tracing the execution role
    needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html); CreateFunction is
    refused with InvalidParameterValueException otherwise, and the role policy must exist before it."""
    for function in ephemeral.resources("aws_lambda_function").values():
        assert function["tracing_config"]["mode"] == "Active"
        statements = policy_statements(ephemeral, role_of(function["role"]))
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
            assert allows(statements, action, "*"), (function["function_name"], action)
        assert any(d.startswith("aws_iam_role_policy.") for d in function["depends_on"])


def test_vpc_functions_may_manage_their_network_interfaces(ephemeral):
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html - a function attached to a VPC needs
    ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface."""
    for function in ephemeral.resources("aws_lambda_function").values():
        assert function["vpc_config"]["subnet_ids"]
        statements = policy_statements(ephemeral, role_of(function["role"]))
        for action in ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"):
            assert allows(statements, action), (function["function_name"], action)


def _clients(source: Path) -> set[str]:
    tree = ast.parse(source.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") == "client"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_api_a_function_calls_has_an_endpoint_in_the_vpc(ephemeral):
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html - a function in a VPC
    without a NAT path reaches AWS APIs only through VPC interface endpoints
    (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html); X-Ray traces need
    the xray endpoint."""
    endpoints = {e["service_name"].rsplit(".", 1)[1] for e in ephemeral.resources("aws_vpc_endpoint").values()}
    assert "xray" in endpoints
    for code in ("lambdas/api_key_rotation.py", "lambdas/glue_job_keeper.py", "lambdas/schema_migration.py"):
        clients = _clients(PROJECT / "infra" / code)
        assert clients, code
        for client in clients:
            assert ENDPOINT_OF_CLIENT[client] in endpoints, (code, client)
    assert not ephemeral.resources("aws_nat_gateway") and not ephemeral.resources("aws_internet_gateway")


def test_eventbridge_may_invoke_the_keeper(ephemeral):
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html - a rule targets a
    Lambda function only with a resource-based permission for events.amazonaws.com, scoped to the rule's ARN."""
    rules = ephemeral.resources("aws_cloudwatch_event_rule")
    permissions = [
        p for p in ephemeral.resources("aws_lambda_permission").values() if p["principal"] == "events.amazonaws.com"
    ]
    for name in rules:
        assert any(p["source_arn"] == f"${{aws_cloudwatch_event_rule.{name}.arn}}" for p in permissions), name

"""TAG-REQ-001's types come from the provider bindings of the major the stack pins (one table per major, each held
equal to its bindings in its own configuration), and tags from the resource's own (aliased) provider."""

from __future__ import annotations

import json

import pytest

from policies.engine import judge
from policies.fixtures import TAGS
from policies.framework import installed
from policies.model import StackView
from policies.provider_tables import FOLDER, every_taggable_type, from_bindings, installed_bindings, major_of, tables
from policies.rulebook import rule_by_id

LINK = "https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/{name}"
MODULE = (
    """
class Thing(_cdktf_9a9027ec.TerraformResource):
    \'\'\'Represents a {{@link """
    + LINK
    + """ aws_{name}}}.\'\'\'

class ThingConfig(_cdktf_9a9027ec.TerraformMetaArguments):
    def __init__(
        self,
        *,
        name: builtins.str,
{tags}    ) -> None:
        pass

class ThingNested:
    def __init__(
        self,
        tags: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        pass
"""
)
TAGS_LINE = "        tags: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,\n"


def test_the_committed_table_of_the_installed_major_is_what_its_bindings_say():
    derived = from_bindings(installed_bindings())
    major = major_of(derived["provider"].split()[-1])
    committed = json.loads((FOLDER / f"aws-{major}.json").read_text())
    assert derived == committed, f"run python -m policies.provider_tables with {installed().bindings} installed"
    expected = {"cdktf": ("hashicorp/aws 5.100.0", 5), "cdktn": ("hashicorp/aws 6.69.1", 6)}[installed().name]
    assert (derived["provider"], major) == expected and len(derived["taggable"]) > 600


def test_each_major_has_its_table_and_the_rule_judges_every_taggable_type():
    five, six = tables(5), tables(6)
    assert (five.provider, six.provider) == ("hashicorp/aws 5.100.0", "hashicorp/aws 6.69.1")
    assert set(rule_by_id("TAG-REQ-001").resource_types) == every_taggable_type() == five.taggable | six.taggable
    for table in (five, six):
        assert {"aws_sqs_queue", "aws_dynamodb_table", "aws_efs_file_system", "aws_kinesis_stream"} <= table.taggable
        # No tags argument in the provider: an IAM inline policy, a bucket's split configuration, a queue policy.
        assert not {"aws_iam_role_policy", "aws_s3_bucket_versioning", "aws_sqs_queue_policy"} & table.taggable
    assert "log_group_name" in five.arguments("aws_flow_log") and "log_group_name" not in six.arguments("aws_flow_log")
    assert "region" in six.arguments("aws_s3_bucket") and "region" not in five.arguments("aws_s3_bucket")


@pytest.mark.parametrize(
    ("pin", "major"), [("5.100.0", 5), ("6.69.1", 6), ("~> 6.0", 6), (">= 5.0, < 7", 5), ("4.67.0", 5), ("", 5)]
)
def test_the_stack_pin_chooses_the_table(pin, major):
    assert major_of(pin) == major


def test_a_type_taggable_only_in_6_is_judged_only_on_a_stack_pinning_6():
    only_six = sorted(tables(6).taggable - tables(5).taggable)[0]
    for pin, judged in (("5.100.0", False), ("6.69.1", True)):
        document = {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": pin}}},
            "provider": {"aws": [{"region": "eu-central-1"}]},
            "resource": {only_six: {"x": {}}},
        }
        view = StackView(document, "s")
        outcome = judge(rule_by_id("TAG-REQ-001"), view.get(only_six, "x"), view, "ephemeral")
        assert (outcome is not None) == judged, (only_six, pin)


def test_only_a_resource_config_with_a_tags_map_counts(tmp_path):
    for name, tags in (("taggable_thing", TAGS_LINE), ("plain_thing", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(MODULE.format(name=name, tags=tags))
    (tmp_path / "data_aws_thing").mkdir()  # a data source: "docs/data-sources", never taggable
    (tmp_path / "data_aws_thing" / "__init__.py").write_text(
        MODULE.format(name="thing", tags=TAGS_LINE).replace("docs/resources", "docs/data-sources")
    )
    assert from_bindings(tmp_path)["taggable"] == ["aws_taggable_thing"]


def _judge(providers, resource):
    document = {"provider": {"aws": providers}, "resource": {"aws_sqs_queue": {"q": resource}}}
    view = StackView(document, "s")
    return judge(rule_by_id("TAG-REQ-001"), view.get("aws_sqs_queue", "q"), view, "ephemeral")


def test_tags_come_from_the_resources_own_provider():
    tagged = {"region": "eu-central-1", "default_tags": [{"tags": TAGS}]}
    bare = {"region": "eu-central-1"}
    alias = {"alias": "replica", "region": "eu-west-1"}
    assert _judge([tagged, {**alias}], {"provider": "aws.replica"}).status == "failed"  # not the default's tags
    assert (
        _judge([tagged, {**alias, **{"default_tags": [{"tags": TAGS}]}}], {"provider": "aws.replica"}).status
        == "passed"
    )
    assert _judge([bare, {**alias, "default_tags": [{"tags": TAGS}]}], {}).status == "failed"  # not the alias's
    assert _judge([bare, {**alias, "default_tags": [{"tags": TAGS}]}], {"provider": "aws.replica"}).status == "passed"

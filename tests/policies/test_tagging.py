"""TAG-REQ-001's types come from the provider bindings, and tags from the resource's own (aliased) provider."""

from __future__ import annotations

import json

from policies.engine import judge
from policies.fixtures import TAGS
from policies.model import StackView
from policies.rulebook import rule_by_id
from policies.taggable import TYPES_FILE, from_bindings, installed_bindings, taggable_types

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


def test_the_committed_types_are_what_the_installed_bindings_say():
    derived = from_bindings(installed_bindings())
    assert derived == json.loads(TYPES_FILE.read_text()), "run python -m policies.taggable after a provider upgrade"
    assert derived["provider"] == "hashicorp/aws 5.100.0" and len(derived["types"]) > 600
    assert set(rule_by_id("TAG-REQ-001").resource_types) == taggable_types()
    assert {"aws_sqs_queue", "aws_dynamodb_table", "aws_efs_file_system", "aws_kinesis_stream"} <= taggable_types()
    # No tags argument in the provider: an IAM inline policy, a bucket's split configuration, a queue policy.
    assert not {"aws_iam_role_policy", "aws_s3_bucket_versioning", "aws_sqs_queue_policy"} & taggable_types()


def test_only_a_resource_config_with_a_tags_map_counts(tmp_path):
    for name, tags in (("taggable_thing", TAGS_LINE), ("plain_thing", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(MODULE.format(name=name, tags=tags))
    (tmp_path / "data_aws_thing").mkdir()  # a data source: "docs/data-sources", never taggable
    (tmp_path / "data_aws_thing" / "__init__.py").write_text(
        MODULE.format(name="thing", tags=TAGS_LINE).replace("docs/resources", "docs/data-sources")
    )
    assert from_bindings(tmp_path)["types"] == ["aws_taggable_thing"]


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

"""What a rule leaves alone is out of its scope (None: neither passed nor failed), not silently passed: Glue
connections that are not JDBC (the platform's NETWORK connection among them) for GLUE-TLS-001."""

from __future__ import annotations

import pytest

from policies.engine import judge
from policies.fixtures import doc
from policies.model import StackView
from policies.rulebook import rule_by_id


@pytest.mark.parametrize(
    "config",
    [
        {
            "connection_type": "NETWORK",
            "physical_connection_requirements": [{"subnet_id": "subnet-1", "security_group_id_list": ["sg-1"]}],
        },
        {"connection_type": "KAFKA", "connection_properties": {"KAFKA_BOOTSTRAP_SERVERS": "b-1:9094"}},
        {"connection_type": "MONGODB", "connection_properties": {"CONNECTION_URL": "mongodb://db:27017/x"}},
    ],
    ids=["network", "kafka", "mongodb"],
)
def test_glue_connections_that_are_not_jdbc_are_out_of_glue_tls_001s_scope(config):
    view = StackView(doc({"aws_glue_connection": {"c": {"name": "c", **config}}}), "fixture")
    assert judge(rule_by_id("GLUE-TLS-001"), view.get("aws_glue_connection", "c"), view, "production") is None

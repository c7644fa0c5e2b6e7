"""Every generated name is valid for its service for any valid suffix (property-based)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.naming import Namer, NamingError, check

INNER = string.ascii_letters + string.digits + "_-"
EDGE = string.ascii_letters + string.digits
suffixes = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(EDGE),
    st.text(INNER, max_size=22),
    st.sampled_from(EDGE),
) | st.sampled_from(EDGE)
PURPOSES = ["raw", "athena-results", "access-logs", "glue-stream-job", "monitoring-subnets", "api-key-rotation"]


@settings(max_examples=300, deadline=None)
@given(suffix=suffixes)
def test_every_name_is_valid_and_carries_the_suffix(suffix):
    n = Namer("iotsp", suffix)
    for purpose in PURPOSES:
        for method in (
            "s3_bucket",
            "iam_role",
            "rds",
            "glue_job",
            "kinesis",
            "kms_alias",
            "secret",
            "sns_topic",
            "athena_workgroup",
            "lambda_function",
            "alarm",
            "dashboard",
            "security_group",
        ):
            name = getattr(n, method)(purpose)
            normalised = suffix.lower().replace("_", "-").strip("-") if method in ("s3_bucket", "rds") else suffix
            assert normalised.split("-")[0] in name.lower().replace("_", "-") or normalised in name
        assert n.iot_rule(purpose).endswith(suffix.replace("-", "_"))
        assert n.glue_catalog(purpose).endswith(suffix.lower().replace("-", "_"))
        assert n.log_group("vpc", purpose).startswith(f"/iotsp/{suffix}/")


@pytest.mark.parametrize("suffix", ["pr-123", "Dev_2", "a1", "x" * 24, "A-b_C-9" * 3 + "zzz"])
def test_examples(suffix):
    n = Namer("iotsp", suffix[:24])
    assert len(n.s3_bucket("athena-results")) <= 63
    assert len(n.iam_role("glue-stream-job")) <= 64
    assert n.rds("monitoring")[0].isalpha()
    assert "-" not in n.iot_rule("telemetry_to_kinesis")


def test_rules_reject_bad_names():
    for service, bad in [
        ("s3_bucket", "Upper"),
        ("s3_bucket", "ab"),
        ("iot_rule", "has-dash"),
        ("rds_identifier", "1db"),
        ("rds_identifier", "a--b"),
        ("iam_role", "r" * 65),
        ("kms_alias", "alias/aws/x"),
    ]:
        with pytest.raises(NamingError):
            check(service, bad)

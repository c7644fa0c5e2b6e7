"""The deployed resources, read back through the AWS APIs and compared with the stack's outputs (the emulator
accepts KMS key ARNs that do not exist, so every key is compared with the key the stack created, never trusted).

Each test names the mutation that must make it fail; the local deploy applies it and checks (tests/integration/
mutations.py).
"""

from __future__ import annotations

import json

from tests.integration.mutations import aws_only, bucket_on_sse_s3, mutation

REQUIRED_TAGS = {"Environment", "Project", "Owner", "CostCenter", "DataClassification"}
BUCKETS = [
    "rawBucketName",
    "curatedBucketName",
    "anomaliesBucketName",
    "quarantineBucketName",
    "scriptsBucketName",
    "athenaResultsBucketName",
]


def _stream_unencrypted(outputs, aws):
    kinesis = aws("kinesis")
    kinesis.stop_stream_encryption(
        StreamName=outputs["streamName"], EncryptionType="KMS", KeyId=outputs["kmsKeyArnStream"]
    )
    return lambda: kinesis.start_stream_encryption(
        StreamName=outputs["streamName"], EncryptionType="KMS", KeyId=outputs["kmsKeyArnStream"]
    )


@mutation("the stream's server-side encryption is switched off", _stream_unencrypted)
def test_stream_is_encrypted_with_our_cmk(outputs, aws):
    """The telemetry stream encrypts with the stack's stream CMK (not another key, not none) and has the shard
    count the capacity model sized."""
    summary = aws("kinesis").describe_stream_summary(StreamName=outputs["streamName"])["StreamDescriptionSummary"]
    assert summary["EncryptionType"] == "KMS"
    assert summary["KeyId"] == outputs["kmsKeyArnStream"]
    assert summary["OpenShardCount"] == int(outputs["streamShardCount"])


@aws_only(
    "moto 5.2.5 ignores the Tags of CreateStream, where terraform sends them "
    "(tags are checked on the buckets and the cluster)"
)
def test_stream_is_tagged(outputs, aws):
    """The stream carries the required tags, with this environment's suffix."""
    listed = aws("kinesis").list_tags_for_stream(StreamName=outputs["streamName"])["Tags"]
    tags = {t["Key"]: t["Value"] for t in listed}
    assert set(tags) >= REQUIRED_TAGS and tags["Environment"] == outputs["environmentSuffix"]


@mutation(
    "the raw bucket's default encryption falls back to SSE-S3 (AWS's key, not ours)", bucket_on_sse_s3("rawBucketName")
)
def test_buckets_are_encrypted_versioned_and_private(outputs, aws):
    """Every data bucket defaults to SSE-KMS under the lake CMK with a bucket key, is versioned, blocks all public
    access, is tagged, and carries the suffix in its name."""
    s3 = aws("s3")
    for key in BUCKETS:
        bucket = outputs[key]
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        default = rule["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms" and default["KMSMasterKeyID"] == outputs["kmsKeyArnLake"], bucket
        assert rule.get("BucketKeyEnabled") is True, bucket
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()), bucket
        tags = {t["Key"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags >= REQUIRED_TAGS, bucket
        assert outputs["environmentSuffix"].lower().replace("_", "-") in bucket


@aws_only("bucket policies are left out of the emulator target: moto reads every Deny condition as matching")
def test_buckets_deny_plain_http(outputs, aws):
    """Every data bucket's policy denies any request made without TLS."""
    s3 = aws("s3")
    for key in BUCKETS:
        policy = json.loads(s3.get_bucket_policy(Bucket=outputs[key])["Policy"])
        assert any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in policy["Statement"]
        ), key


def _mes_rotation_cancelled(outputs, aws):
    secrets = aws("secretsmanager")
    saved = secrets.describe_secret(SecretId=outputs["mesApiKeySecretArn"])
    secrets.cancel_rotate_secret(SecretId=outputs["mesApiKeySecretArn"])
    return lambda: secrets.rotate_secret(
        SecretId=outputs["mesApiKeySecretArn"],
        RotationLambdaARN=saved["RotationLambdaARN"],
        RotationRules=saved["RotationRules"],
        RotateImmediately=False,
    )


@mutation("the MES API key's automatic rotation is cancelled", _mes_rotation_cancelled)
def test_secrets_rotate(outputs, aws):
    """The fetched MES API key rotates every 30 days through the stack's rotation Lambda, and the database's
    managed secret rotates every 7 days under the secrets CMK."""
    secrets = aws("secretsmanager")
    mes = secrets.describe_secret(SecretId=outputs["mesApiKeySecretArn"])
    assert mes.get("RotationEnabled") and mes["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert mes["RotationLambdaARN"].endswith(f":function:{outputs['rotationLambdaName']}")
    database = secrets.describe_secret(SecretId=outputs["dbSecretArn"])
    assert database.get("RotationEnabled") and database["RotationRules"]["AutomaticallyAfterDays"] == 7
    assert database.get("KmsKeyId") == outputs["kmsKeyArnSecrets"]


def _writer_made_public(outputs, aws):
    rds = aws("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["dbClusterIdentifier"])["DBClusters"][0]
    instance = cluster["DBClusterMembers"][0]["DBInstanceIdentifier"]
    rds.modify_db_instance(DBInstanceIdentifier=instance, PubliclyAccessible=True, ApplyImmediately=True)
    return lambda: rds.modify_db_instance(
        DBInstanceIdentifier=instance, PubliclyAccessible=False, ApplyImmediately=True
    )


@mutation("a database instance is made publicly accessible", _writer_made_public)
def test_database_is_encrypted_private_and_uses_iam_auth(outputs, aws):
    """The Aurora cluster is encrypted under the database CMK, accepts IAM authentication, exports its PostgreSQL
    log, is tagged, and none of its instances is publicly accessible."""
    rds = aws("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["dbClusterIdentifier"])["DBClusters"][0]
    assert cluster["StorageEncrypted"] and cluster["KmsKeyId"] == outputs["kmsKeyArnDatabase"]
    assert cluster["IAMDatabaseAuthenticationEnabled"]
    assert "postgresql" in cluster.get("EnabledCloudwatchLogsExports", [])
    assert {t["Key"] for t in cluster.get("TagList", [])} >= REQUIRED_TAGS
    members = [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"]]
    assert members
    for member in members:
        instance = rds.describe_db_instances(DBInstanceIdentifier=member)["DBInstances"][0]
        assert instance["PubliclyAccessible"] is False, member


def _security_configuration_without_s3_encryption(outputs, aws):
    glue, name = aws("glue"), outputs["glueSecurityConfigurationName"]
    saved = glue.get_security_configuration(Name=name)["SecurityConfiguration"]["EncryptionConfiguration"]
    weakened = {**saved, "S3Encryption": [{"S3EncryptionMode": "DISABLED"}]}
    glue.delete_security_configuration(Name=name)
    glue.create_security_configuration(Name=name, EncryptionConfiguration=weakened)

    def restore():
        glue.delete_security_configuration(Name=name)
        glue.create_security_configuration(Name=name, EncryptionConfiguration=saved)

    return restore


@mutation(
    "the job's security configuration stops encrypting what it writes to S3",
    _security_configuration_without_s3_encryption,
)
def test_glue_job_uses_our_security_configuration(outputs, aws):
    """The streaming job (Glue 5.0) reads the stack's stream and runs under a security configuration that
    encrypts its S3 output and CloudWatch logs with SSE-KMS and its bookmarks with CSE-KMS, all under our keys."""
    glue = aws("glue")
    job = glue.get_job(JobName=outputs["glueJobName"])["Job"]
    assert job["SecurityConfiguration"] == outputs["glueSecurityConfigurationName"]
    assert job["Command"]["Name"] == "gluestreaming" and job["GlueVersion"] == "5.0"
    assert job["DefaultArguments"]["--stream_arn"] == outputs["streamArn"]
    config = glue.get_security_configuration(Name=outputs["glueSecurityConfigurationName"])["SecurityConfiguration"]
    modes = config["EncryptionConfiguration"]
    assert modes["S3Encryption"][0]["S3EncryptionMode"] == "SSE-KMS"
    assert modes["S3Encryption"][0]["KmsKeyArn"] == outputs["kmsKeyArnLake"]
    assert modes["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert modes["CloudWatchEncryption"]["KmsKeyArn"] == outputs["kmsKeyArnObservability"]
    assert modes["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"


def _alarm_actions_disabled(outputs, aws):
    cloudwatch = aws("cloudwatch")
    names = [a["AlarmName"] for a in _our_alarms(outputs, aws)]
    cloudwatch.disable_alarm_actions(AlarmNames=names[:1])
    return lambda: cloudwatch.enable_alarm_actions(AlarmNames=names[:1])


def _our_alarms(outputs, aws):
    pages = aws("cloudwatch").get_paginator("describe_alarms").paginate()
    return [a for page in pages for a in page["MetricAlarms"] if a["AlarmName"].endswith(outputs["environmentSuffix"])]


@mutation("one alarm's actions are disabled (it would page nobody)", _alarm_actions_disabled)
def test_alarms_page_the_alert_topic(outputs, aws):
    """The stream, job and database alarms exist, and every one of them has its actions enabled and notifies the
    stack's alert topic."""
    ours = _our_alarms(outputs, aws)
    names = " ".join(a["AlarmName"] for a in ours)
    for part in ("iterator-age", "write-throttles", "job-failed-tasks", "anomaly-rate", "db-cpu"):
        assert part in names, part
    for alarm in ours:
        assert alarm["ActionsEnabled"] is True, alarm["AlarmName"]
        assert outputs["alertTopicArn"] in alarm["AlarmActions"], alarm["AlarmName"]


def _topic_on_aws_managed_key(outputs, aws):
    sns = aws("sns")
    saved = sns.get_topic_attributes(TopicArn=outputs["alertTopicArn"])["Attributes"]["KmsMasterKeyId"]
    sns.set_topic_attributes(
        TopicArn=outputs["alertTopicArn"], AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns"
    )
    return lambda: sns.set_topic_attributes(
        TopicArn=outputs["alertTopicArn"], AttributeName="KmsMasterKeyId", AttributeValue=saved
    )


@mutation("the alert topic is re-keyed to the AWS-managed SNS key", _topic_on_aws_managed_key)
def test_alert_topic_is_encrypted_with_our_cmk(outputs, aws):
    """The alert topic encrypts messages under the observability CMK."""
    attributes = aws("sns").get_topic_attributes(TopicArn=outputs["alertTopicArn"])["Attributes"]
    assert attributes.get("KmsMasterKeyId") == outputs["kmsKeyArnObservability"]


def _lake_key_stops_rotating(outputs, aws):
    kms = aws("kms")
    kms.disable_key_rotation(KeyId=outputs["kmsKeyArnLake"])
    return lambda: kms.enable_key_rotation(KeyId=outputs["kmsKeyArnLake"])


@mutation("the lake key's automatic rotation is switched off", _lake_key_stops_rotating)
def test_keys_rotate(outputs, aws):
    """Each domain's key (stream, lake, database, observability, secrets) is customer managed, enabled and
    rotates automatically."""
    kms = aws("kms")
    for key in ("Stream", "Lake", "Database", "Observability", "Secrets"):
        arn = outputs[f"kmsKeyArn{key}"]
        assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"], key
        metadata = kms.describe_key(KeyId=arn)["KeyMetadata"]
        assert metadata["KeyManager"] == "CUSTOMER" and metadata["KeyState"] == "Enabled", key

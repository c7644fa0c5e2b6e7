"""The deployed resources, checked through the AWS APIs: encryption on our keys, TLS, rotation, tags, names."""

from __future__ import annotations

import json

from tests.integration.conftest import emulator_gap

REQUIRED_TAGS = {"Environment", "Project", "Owner", "CostCenter", "DataClassification"}
BUCKETS = [
    "rawBucketName",
    "curatedBucketName",
    "anomaliesBucketName",
    "quarantineBucketName",
    "scriptsBucketName",
    "athenaResultsBucketName",
]


def test_stream_is_encrypted_with_our_cmk(outputs, aws):
    summary = aws("kinesis").describe_stream_summary(StreamName=outputs["streamName"])["StreamDescriptionSummary"]
    assert summary["EncryptionType"] == "KMS"
    assert summary["KeyId"] == outputs["kmsKeyArnStream"]  # the emulator accepts any ARN: compare, do not trust
    assert summary["OpenShardCount"] == int(outputs["streamShardCount"])


@emulator_gap("moto returns no tags for the stream terraform created (tags are checked on buckets and the cluster)")
def test_stream_is_tagged(outputs, aws):
    listed = aws("kinesis").list_tags_for_stream(StreamName=outputs["streamName"])["Tags"]
    tags = {t["Key"]: t["Value"] for t in listed}
    assert set(tags) >= REQUIRED_TAGS and tags["Environment"] == outputs["environmentSuffix"]


def test_buckets_are_encrypted_versioned_and_private(outputs, aws):
    s3 = aws("s3")
    for key in BUCKETS:
        bucket = outputs[key]
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        default = rule["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms" and default["KMSMasterKeyID"] == outputs["kmsKeyArnLake"], bucket
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()), bucket
        tags = {t["Key"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags >= REQUIRED_TAGS, bucket
        assert outputs["environmentSuffix"].lower().replace("_", "-") in bucket


@emulator_gap("bucket policies are left out of the emulator target: moto reads every Deny condition as matching")
def test_buckets_deny_plain_http(outputs, aws):
    s3 = aws("s3")
    for key in BUCKETS:
        policy = json.loads(s3.get_bucket_policy(Bucket=outputs[key])["Policy"])
        assert any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in policy["Statement"]
        ), key


def test_secrets_rotate(outputs, aws):
    secrets = aws("secretsmanager")
    mes = secrets.describe_secret(SecretId=outputs["mesApiKeySecretArn"])
    assert mes["RotationEnabled"] and mes["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert outputs["rotationLambdaName"] in mes["RotationLambdaARN"]
    database = secrets.describe_secret(SecretId=outputs["dbSecretArn"])
    assert database["RotationEnabled"] and database["RotationRules"]["AutomaticallyAfterDays"] == 7
    assert database.get("KmsKeyId") == outputs["kmsKeyArnSecrets"]


def test_database_is_encrypted_private_and_uses_iam_auth(outputs, aws):
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier=outputs["dbClusterIdentifier"])["DBClusters"][0]
    assert cluster["StorageEncrypted"] and cluster["KmsKeyId"] == outputs["kmsKeyArnDatabase"]
    assert cluster["IAMDatabaseAuthenticationEnabled"]
    assert "postgresql" in cluster.get("EnabledCloudwatchLogsExports", [])
    tags = {t["Key"] for t in cluster.get("TagList", [])}
    assert tags >= REQUIRED_TAGS


def test_glue_job_uses_our_security_configuration(outputs, aws):
    glue = aws("glue")
    job = glue.get_job(JobName=outputs["glueJobName"])["Job"]
    assert job["SecurityConfiguration"] == outputs["glueSecurityConfigurationName"]
    assert job["Command"]["Name"] == "gluestreaming" and job["GlueVersion"] == "5.0"
    assert job["DefaultArguments"]["--stream_arn"] == outputs["streamArn"]
    config = glue.get_security_configuration(Name=outputs["glueSecurityConfigurationName"])["SecurityConfiguration"]
    modes = config["EncryptionConfiguration"]
    assert modes["S3Encryption"][0]["S3EncryptionMode"] == "SSE-KMS"
    assert modes["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert modes["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"


def test_alarms_and_encrypted_topic_exist(outputs, aws):
    alarms = aws("cloudwatch").describe_alarms()["MetricAlarms"]
    ours = [a for a in alarms if a["AlarmName"].endswith(outputs["environmentSuffix"])]
    names = " ".join(a["AlarmName"] for a in ours)
    for part in ("iterator-age", "write-throttles", "job-failed-tasks", "anomaly-rate", "db-cpu"):
        assert part in names, part
    assert all(outputs["alertTopicArn"] in a["AlarmActions"] for a in ours)
    attributes = aws("sns").get_topic_attributes(TopicArn=outputs["alertTopicArn"])["Attributes"]
    assert attributes.get("KmsMasterKeyId") == outputs["kmsKeyArnObservability"]


def test_keys_rotate(outputs, aws):
    kms = aws("kms")
    for key in ("Stream", "Lake", "Database", "Observability", "Secrets"):
        arn = outputs[f"kmsKeyArn{key}"]
        assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"], key
        assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyManager"] == "CUSTOMER", key

"""The AWS provider bindings this repository uses: the one module that imports them, from the package built for the
installed framework (cdktf-cdktf-provider-aws 20.1.0 for cdktf, AWS provider 5.100.0; cdktn-provider-aws 25.8.1 for
cdktn, AWS provider 6.69.1: policies/framework.py says which). Both packages have the same modules and class names,
so `aws.S3Bucket(...)` is the same code on either; each class is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from policies.framework import installed

PACKAGE = installed().bindings
# bindings module -> the classes the platform uses from it
MODULES: dict[str, tuple[str, ...]] = {
    "athena_workgroup": (
        "AthenaWorkgroup",
        "AthenaWorkgroupConfiguration",
        "AthenaWorkgroupConfigurationResultConfiguration",
        "AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration",
    ),
    "cloudwatch_dashboard": ("CloudwatchDashboard",),
    "cloudwatch_event_rule": ("CloudwatchEventRule",),
    "cloudwatch_event_target": ("CloudwatchEventTarget",),
    "cloudwatch_log_group": ("CloudwatchLogGroup",),
    "cloudwatch_metric_alarm": (
        "CloudwatchMetricAlarm",
        "CloudwatchMetricAlarmMetricQuery",
        "CloudwatchMetricAlarmMetricQueryMetric",
    ),
    "config_config_rule": (
        "ConfigConfigRule",
        "ConfigConfigRuleScope",
        "ConfigConfigRuleSource",
    ),
    "data_aws_availability_zones": ("DataAwsAvailabilityZones",),
    "data_aws_caller_identity": ("DataAwsCallerIdentity",),
    "data_aws_glue_data_catalog_encryption_settings": ("DataAwsGlueDataCatalogEncryptionSettings",),
    "data_aws_iam_policy_document": (
        "DataAwsIamPolicyDocument",
        "DataAwsIamPolicyDocumentStatement",
        "DataAwsIamPolicyDocumentStatementCondition",
        "DataAwsIamPolicyDocumentStatementPrincipals",
    ),
    "data_aws_iam_session_context": ("DataAwsIamSessionContext",),
    "data_aws_iot_endpoint": ("DataAwsIotEndpoint",),
    "data_aws_lakeformation_data_lake_settings": ("DataAwsLakeformationDataLakeSettings",),
    "data_aws_partition": ("DataAwsPartition",),
    "data_aws_secretsmanager_secret": ("DataAwsSecretsmanagerSecret",),
    "data_aws_ssm_parameter": ("DataAwsSsmParameter",),
    "db_subnet_group": ("DbSubnetGroup",),
    "default_security_group": ("DefaultSecurityGroup",),
    "flow_log": ("FlowLog",),
    "glue_catalog_database": ("GlueCatalogDatabase",),
    "glue_catalog_table": (
        "GlueCatalogTable",
        "GlueCatalogTablePartitionKeys",
        "GlueCatalogTableStorageDescriptor",
        "GlueCatalogTableStorageDescriptorColumns",
        "GlueCatalogTableStorageDescriptorSerDeInfo",
    ),
    "glue_connection": (
        "GlueConnection",
        "GlueConnectionPhysicalConnectionRequirements",
    ),
    "glue_data_catalog_encryption_settings": (
        "GlueDataCatalogEncryptionSettings",
        "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings",
        "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption",
        "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest",
    ),
    "glue_job": (
        "GlueJob",
        "GlueJobCommand",
        "GlueJobExecutionProperty",
    ),
    "glue_security_configuration": (
        "GlueSecurityConfiguration",
        "GlueSecurityConfigurationEncryptionConfiguration",
        "GlueSecurityConfigurationEncryptionConfigurationCloudwatchEncryption",
        "GlueSecurityConfigurationEncryptionConfigurationJobBookmarksEncryption",
        "GlueSecurityConfigurationEncryptionConfigurationS3Encryption",
    ),
    "iam_role": ("IamRole",),
    "iam_role_policy": ("IamRolePolicy",),
    "iam_role_policy_attachment": ("IamRolePolicyAttachment",),
    "iot_domain_configuration": (
        "IotDomainConfiguration",
        "IotDomainConfigurationTlsConfig",
    ),
    "iot_logging_options": ("IotLoggingOptions",),
    "iot_policy": ("IotPolicy",),
    "iot_thing_type": (
        "IotThingType",
        "IotThingTypeProperties",
    ),
    "iot_topic_rule": (
        "IotTopicRule",
        "IotTopicRuleErrorAction",
        "IotTopicRuleErrorActionS3",
        "IotTopicRuleKinesis",
        "IotTopicRuleS3",
    ),
    "kinesis_stream": (
        "KinesisStream",
        "KinesisStreamStreamModeDetails",
    ),
    "kms_alias": ("KmsAlias",),
    "kms_key": ("KmsKey",),
    "lakeformation_data_lake_settings": ("LakeformationDataLakeSettings",),
    "lakeformation_permissions": (
        "LakeformationPermissions",
        "LakeformationPermissionsDatabase",
        "LakeformationPermissionsDataLocation",
        "LakeformationPermissionsTable",
    ),
    "lakeformation_resource": ("LakeformationResource",),
    "lambda_function": (
        "LambdaFunction",
        "LambdaFunctionEnvironment",
        "LambdaFunctionLoggingConfig",
        "LambdaFunctionTracingConfig",
        "LambdaFunctionVpcConfig",
    ),
    "lambda_invocation": ("LambdaInvocation",),
    "lambda_permission": ("LambdaPermission",),
    "provider": (
        "AwsProvider",
        "AwsProviderDefaultTags",
        "AwsProviderEndpoints",
    ),
    "rds_cluster": (
        "RdsCluster",
        "RdsClusterServerlessv2ScalingConfiguration",
    ),
    "rds_cluster_instance": ("RdsClusterInstance",),
    "rds_cluster_parameter_group": (
        "RdsClusterParameterGroup",
        "RdsClusterParameterGroupParameter",
    ),
    "route_table": ("RouteTable",),
    "route_table_association": ("RouteTableAssociation",),
    "s3_bucket": ("S3Bucket",),
    "s3_bucket_lifecycle_configuration": (
        "S3BucketLifecycleConfiguration",
        "S3BucketLifecycleConfigurationRule",
        "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
        "S3BucketLifecycleConfigurationRuleExpiration",
        "S3BucketLifecycleConfigurationRuleFilter",
        "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
        "S3BucketLifecycleConfigurationRuleTransition",
    ),
    "s3_bucket_logging": ("S3BucketLoggingA",),
    "s3_bucket_ownership_controls": (
        "S3BucketOwnershipControls",
        "S3BucketOwnershipControlsRule",
    ),
    "s3_bucket_policy": ("S3BucketPolicy",),
    "s3_bucket_public_access_block": ("S3BucketPublicAccessBlock",),
    "s3_bucket_server_side_encryption_configuration": (
        "S3BucketServerSideEncryptionConfigurationA",
        "S3BucketServerSideEncryptionConfigurationRuleA",
        "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    ),
    "s3_bucket_versioning": (
        "S3BucketVersioningA",
        "S3BucketVersioningVersioningConfiguration",
    ),
    "s3_object": ("S3Object",),
    "secretsmanager_secret_rotation": (
        "SecretsmanagerSecretRotation",
        "SecretsmanagerSecretRotationRotationRules",
    ),
    "security_group": ("SecurityGroup",),
    "sns_topic": ("SnsTopic",),
    "sns_topic_policy": ("SnsTopicPolicy",),
    "sns_topic_subscription": ("SnsTopicSubscription",),
    "ssm_parameter": ("SsmParameter",),
    "subnet": ("Subnet",),
    "vpc": ("Vpc",),
    "vpc_endpoint": ("VpcEndpoint",),
    "vpc_security_group_egress_rule": ("VpcSecurityGroupEgressRule",),
    "vpc_security_group_ingress_rule": ("VpcSecurityGroupIngressRule",),
}
_MODULE_OF = {name: module for module, names in MODULES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r} (add it to infra/aws.py's MODULES)")
    value = getattr(importlib.import_module(f"{PACKAGE}.{module}"), name)
    globals()[name] = value
    return value

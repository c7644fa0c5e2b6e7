"""The AWS provider bindings this repo uses: the one module that imports cdktf_cdktf_provider_aws.

A move to another provider package (e.g. CDK Terrain) changes the imports here and nothing else.
"""

from cdktf_cdktf_provider_aws.athena_workgroup import (
    AthenaWorkgroup,
    AthenaWorkgroupConfiguration,
    AthenaWorkgroupConfigurationResultConfiguration,
    AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration,
)
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import (
    CloudwatchDashboard,
)
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import (
    CloudwatchEventRule,
)
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import (
    CloudwatchLogGroup,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktf_cdktf_provider_aws.config_config_rule import (
    ConfigConfigRule,
    ConfigConfigRuleScope,
    ConfigConfigRuleSource,
)
from cdktf_cdktf_provider_aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
)
from cdktf_cdktf_provider_aws.data_aws_caller_identity import (
    DataAwsCallerIdentity,
)
from cdktf_cdktf_provider_aws.data_aws_glue_data_catalog_encryption_settings import (
    DataAwsGlueDataCatalogEncryptionSettings,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.data_aws_iam_session_context import (
    DataAwsIamSessionContext,
)
from cdktf_cdktf_provider_aws.data_aws_iot_endpoint import (
    DataAwsIotEndpoint,
)
from cdktf_cdktf_provider_aws.data_aws_lakeformation_data_lake_settings import (
    DataAwsLakeformationDataLakeSettings,
)
from cdktf_cdktf_provider_aws.data_aws_partition import (
    DataAwsPartition,
)
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import (
    DataAwsSecretsmanagerSecret,
)
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import (
    DataAwsSsmParameter,
)
from cdktf_cdktf_provider_aws.db_subnet_group import (
    DbSubnetGroup,
)
from cdktf_cdktf_provider_aws.default_security_group import (
    DefaultSecurityGroup,
)
from cdktf_cdktf_provider_aws.flow_log import (
    FlowLog,
)
from cdktf_cdktf_provider_aws.glue_catalog_database import (
    GlueCatalogDatabase,
)
from cdktf_cdktf_provider_aws.glue_catalog_table import (
    GlueCatalogTable,
    GlueCatalogTablePartitionKeys,
    GlueCatalogTableStorageDescriptor,
    GlueCatalogTableStorageDescriptorColumns,
    GlueCatalogTableStorageDescriptorSerDeInfo,
)
from cdktf_cdktf_provider_aws.glue_connection import (
    GlueConnection,
    GlueConnectionPhysicalConnectionRequirements,
)
from cdktf_cdktf_provider_aws.glue_data_catalog_encryption_settings import (
    GlueDataCatalogEncryptionSettings,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest,
)
from cdktf_cdktf_provider_aws.glue_job import (
    GlueJob,
    GlueJobCommand,
    GlueJobExecutionProperty,
)
from cdktf_cdktf_provider_aws.glue_security_configuration import (
    GlueSecurityConfiguration,
    GlueSecurityConfigurationEncryptionConfiguration,
    GlueSecurityConfigurationEncryptionConfigurationCloudwatchEncryption,
    GlueSecurityConfigurationEncryptionConfigurationJobBookmarksEncryption,
    GlueSecurityConfigurationEncryptionConfigurationS3Encryption,
)
from cdktf_cdktf_provider_aws.iam_role import (
    IamRole,
)
from cdktf_cdktf_provider_aws.iam_role_policy import (
    IamRolePolicy,
)
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import (
    IamRolePolicyAttachment,
)
from cdktf_cdktf_provider_aws.iot_domain_configuration import (
    IotDomainConfiguration,
    IotDomainConfigurationTlsConfig,
)
from cdktf_cdktf_provider_aws.iot_logging_options import (
    IotLoggingOptions,
)
from cdktf_cdktf_provider_aws.iot_policy import (
    IotPolicy,
)
from cdktf_cdktf_provider_aws.iot_thing_type import (
    IotThingType,
    IotThingTypeProperties,
)
from cdktf_cdktf_provider_aws.iot_topic_rule import (
    IotTopicRule,
    IotTopicRuleErrorAction,
    IotTopicRuleErrorActionS3,
    IotTopicRuleKinesis,
    IotTopicRuleS3,
)
from cdktf_cdktf_provider_aws.kinesis_stream import (
    KinesisStream,
    KinesisStreamStreamModeDetails,
)
from cdktf_cdktf_provider_aws.kms_alias import (
    KmsAlias,
)
from cdktf_cdktf_provider_aws.kms_key import (
    KmsKey,
)
from cdktf_cdktf_provider_aws.lakeformation_data_lake_settings import (
    LakeformationDataLakeSettings,
)
from cdktf_cdktf_provider_aws.lakeformation_permissions import (
    LakeformationPermissions,
    LakeformationPermissionsDatabase,
    LakeformationPermissionsDataLocation,
    LakeformationPermissionsTable,
)
from cdktf_cdktf_provider_aws.lakeformation_resource import (
    LakeformationResource,
)
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from cdktf_cdktf_provider_aws.lambda_invocation import (
    LambdaInvocation,
)
from cdktf_cdktf_provider_aws.lambda_permission import (
    LambdaPermission,
)
from cdktf_cdktf_provider_aws.provider import (
    AwsProvider,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)
from cdktf_cdktf_provider_aws.rds_cluster import (
    RdsCluster,
    RdsClusterServerlessv2ScalingConfiguration,
)
from cdktf_cdktf_provider_aws.rds_cluster_instance import (
    RdsClusterInstance,
)
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.route_table import (
    RouteTable,
)
from cdktf_cdktf_provider_aws.route_table_association import (
    RouteTableAssociation,
)
from cdktf_cdktf_provider_aws.s3_bucket import (
    S3Bucket,
)
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import (
    S3BucketLoggingA,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import (
    S3BucketPolicy,
)
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import (
    S3BucketPublicAccessBlock,
)
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from cdktf_cdktf_provider_aws.s3_object import (
    S3Object,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret_rotation import (
    SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
)
from cdktf_cdktf_provider_aws.security_group import (
    SecurityGroup,
)
from cdktf_cdktf_provider_aws.sns_topic import (
    SnsTopic,
)
from cdktf_cdktf_provider_aws.sns_topic_policy import (
    SnsTopicPolicy,
)
from cdktf_cdktf_provider_aws.sns_topic_subscription import (
    SnsTopicSubscription,
)
from cdktf_cdktf_provider_aws.ssm_parameter import (
    SsmParameter,
)
from cdktf_cdktf_provider_aws.subnet import (
    Subnet,
)
from cdktf_cdktf_provider_aws.vpc import (
    Vpc,
)
from cdktf_cdktf_provider_aws.vpc_endpoint import (
    VpcEndpoint,
)
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import (
    VpcSecurityGroupEgressRule,
)
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)

__all__ = [
    "AthenaWorkgroup",
    "AthenaWorkgroupConfiguration",
    "AthenaWorkgroupConfigurationResultConfiguration",
    "AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "AwsProviderEndpoints",
    "CloudwatchDashboard",
    "CloudwatchEventRule",
    "CloudwatchEventTarget",
    "CloudwatchLogGroup",
    "CloudwatchMetricAlarm",
    "CloudwatchMetricAlarmMetricQuery",
    "CloudwatchMetricAlarmMetricQueryMetric",
    "ConfigConfigRule",
    "ConfigConfigRuleScope",
    "ConfigConfigRuleSource",
    "DataAwsAvailabilityZones",
    "DataAwsCallerIdentity",
    "DataAwsGlueDataCatalogEncryptionSettings",
    "DataAwsIamPolicyDocument",
    "DataAwsIamPolicyDocumentStatement",
    "DataAwsIamPolicyDocumentStatementCondition",
    "DataAwsIamPolicyDocumentStatementPrincipals",
    "DataAwsIamSessionContext",
    "DataAwsIotEndpoint",
    "DataAwsLakeformationDataLakeSettings",
    "DataAwsPartition",
    "DataAwsSecretsmanagerSecret",
    "DataAwsSsmParameter",
    "DbSubnetGroup",
    "DefaultSecurityGroup",
    "FlowLog",
    "GlueCatalogDatabase",
    "GlueCatalogTable",
    "GlueCatalogTablePartitionKeys",
    "GlueCatalogTableStorageDescriptor",
    "GlueCatalogTableStorageDescriptorColumns",
    "GlueCatalogTableStorageDescriptorSerDeInfo",
    "GlueConnection",
    "GlueConnectionPhysicalConnectionRequirements",
    "GlueDataCatalogEncryptionSettings",
    "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings",
    "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption",
    "GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest",
    "GlueJob",
    "GlueJobCommand",
    "GlueJobExecutionProperty",
    "GlueSecurityConfiguration",
    "GlueSecurityConfigurationEncryptionConfiguration",
    "GlueSecurityConfigurationEncryptionConfigurationCloudwatchEncryption",
    "GlueSecurityConfigurationEncryptionConfigurationJobBookmarksEncryption",
    "GlueSecurityConfigurationEncryptionConfigurationS3Encryption",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "IotDomainConfiguration",
    "IotDomainConfigurationTlsConfig",
    "IotLoggingOptions",
    "IotPolicy",
    "IotThingType",
    "IotThingTypeProperties",
    "IotTopicRule",
    "IotTopicRuleErrorAction",
    "IotTopicRuleErrorActionS3",
    "IotTopicRuleKinesis",
    "IotTopicRuleS3",
    "KinesisStream",
    "KinesisStreamStreamModeDetails",
    "KmsAlias",
    "KmsKey",
    "LakeformationDataLakeSettings",
    "LakeformationPermissions",
    "LakeformationPermissionsDataLocation",
    "LakeformationPermissionsDatabase",
    "LakeformationPermissionsTable",
    "LakeformationResource",
    "LambdaFunction",
    "LambdaFunctionEnvironment",
    "LambdaFunctionLoggingConfig",
    "LambdaFunctionTracingConfig",
    "LambdaFunctionVpcConfig",
    "LambdaInvocation",
    "LambdaPermission",
    "RdsCluster",
    "RdsClusterInstance",
    "RdsClusterParameterGroup",
    "RdsClusterParameterGroupParameter",
    "RdsClusterServerlessv2ScalingConfiguration",
    "RouteTable",
    "RouteTableAssociation",
    "S3Bucket",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleExpiration",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketLifecycleConfigurationRuleTransition",
    "S3BucketLoggingA",
    "S3BucketOwnershipControls",
    "S3BucketOwnershipControlsRule",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketServerSideEncryptionConfigurationA",
    "S3BucketServerSideEncryptionConfigurationRuleA",
    "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    "S3BucketVersioningA",
    "S3BucketVersioningVersioningConfiguration",
    "S3Object",
    "SecretsmanagerSecretRotation",
    "SecretsmanagerSecretRotationRotationRules",
    "SecurityGroup",
    "SnsTopic",
    "SnsTopicPolicy",
    "SnsTopicSubscription",
    "SsmParameter",
    "Subnet",
    "Vpc",
    "VpcEndpoint",
    "VpcSecurityGroupEgressRule",
    "VpcSecurityGroupIngressRule",
]

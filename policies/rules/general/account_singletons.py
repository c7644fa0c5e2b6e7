"""ENV-ACCT-001: an environment stack declares no account-wide resource (one per account and region, whatever the
stack): two environments would overwrite each other, and one's destroy would reset the account for all of them.
Only a stack that declares itself an account baseline (policies/metadata.py) may own them; undeclared means
environment. Each entry is AWS's own word for why the resource is account-wide.
"""

from policies.metadata import ACCOUNT_BASELINE, stack_kind
from policies.model import Rule, fail, ok

API = "https://docs.aws.amazon.com"
ACCOUNT_WIDE = {
    "aws_lakeformation_data_lake_settings": (
        "PutDataLakeSettings replaces the current list of data lake admins with the new list",
        f"{API}/lake-formation/latest/APIReference/API_PutDataLakeSettings.html",
    ),
    "aws_glue_data_catalog_encryption_settings": (
        "sets the security configuration for a specified catalog; the encryption is applied to every catalog write",
        f"{API}/glue/latest/webapi/API_PutDataCatalogEncryptionSettings.html",
    ),
    "aws_glue_resource_policy": (
        "sets the Data Catalog resource policy (one per catalog, the account's)",
        f"{API}/glue/latest/webapi/API_PutResourcePolicy.html",
    ),
    "aws_iot_logging_options": (
        "sets the logging options for the V2 logging service: the account-level logging configuration",
        f"{API}/iot/latest/apireference/API_SetV2LoggingOptions.html",
    ),
    "aws_iot_indexing_configuration": (
        "updates the search configuration (fleet indexing) of the account",
        f"{API}/iot/latest/apireference/API_UpdateIndexingConfiguration.html",
    ),
    "aws_iot_event_configurations": (
        "updates the event configurations of the account",
        f"{API}/iot/latest/apireference/API_UpdateEventConfigurations.html",
    ),
    "aws_iot_domain_configuration": (
        "the device endpoint is shared by every environment's devices, and an AWS-managed domain must stay "
        "DISABLED for 7 days before it can be deleted",
        f"{API}/iot/latest/developerguide/iot-custom-endpoints-managing.html",
    ),
    "aws_config_configuration_recorder": (
        "you can create only one customer managed configuration recorder for each account for each Region",
        f"{API}/config/latest/APIReference/API_PutConfigurationRecorder.html",
    ),
    "aws_config_configuration_recorder_status": (
        "starts or stops the account's one configuration recorder",
        f"{API}/config/latest/APIReference/API_StartConfigurationRecorder.html",
    ),
    "aws_config_delivery_channel": (
        "you can have only one delivery channel per region in your account",
        f"{API}/config/latest/APIReference/API_PutDeliveryChannel.html",
    ),
    "aws_config_retention_configuration": (
        "AWS Config supports only one retention configuration per region in your account",
        f"{API}/config/latest/APIReference/API_PutRetentionConfiguration.html",
    ),
    "aws_guardduty_detector": (
        "you can have only one detector per account per Region",
        f"{API}/guardduty/latest/APIReference/API_CreateDetector.html",
    ),
    "aws_securityhub_account": (
        "enables Security Hub for your account in the current Region",
        f"{API}/securityhub/1.0/APIReference/API_EnableSecurityHub.html",
    ),
    "aws_macie2_account": (
        "enables Amazon Macie and specifies the configuration settings for a Macie account",
        f"{API}/macie/latest/APIReference/macie.html",
    ),
    "aws_inspector2_enabler": (
        "enables Amazon Inspector scans for one or more AWS accounts",
        f"{API}/inspector/v2/APIReference/API_Enable.html",
    ),
    "aws_ebs_encryption_by_default": (
        "enables EBS encryption by default for your account in the current Region",
        f"{API}/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html",
    ),
    "aws_ebs_default_kms_key": (
        "changes the default KMS key for EBS encryption by default for your account in this Region",
        f"{API}/AWSEC2/latest/APIReference/API_ModifyEbsDefaultKmsKeyId.html",
    ),
    "aws_ec2_serial_console_access": (
        "enables access to the EC2 serial console of all instances for your account",
        f"{API}/AWSEC2/latest/APIReference/API_EnableSerialConsoleAccess.html",
    ),
    "aws_ec2_image_block_public_access": (
        "sets block public access for AMIs at the account level in the specified Region",
        f"{API}/AWSEC2/latest/APIReference/API_EnableImageBlockPublicAccess.html",
    ),
    "aws_ec2_instance_metadata_defaults": (
        "sets the default instance metadata service (IMDS) settings at the account level in the Region",
        f"{API}/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataDefaults.html",
    ),
    "aws_vpc_block_public_access_options": (
        "sets VPC Block Public Access for the account in the Region",
        f"{API}/AWSEC2/latest/APIReference/API_ModifyVpcBlockPublicAccessOptions.html",
    ),
    "aws_default_vpc": (
        "adopts the Region's default VPC, which the account has once per Region",
        f"{API}/vpc/latest/userguide/default-vpc.html",
    ),
    "aws_s3_account_public_access_block": (
        "creates or modifies the PublicAccessBlock configuration for an AWS account",
        f"{API}/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html",
    ),
    "aws_iam_account_password_policy": (
        "updates the password policy settings for the AWS account",
        f"{API}/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html",
    ),
    "aws_iam_account_alias": (
        "creates an alias for your AWS account (an account has at most one)",
        f"{API}/IAM/latest/APIReference/API_CreateAccountAlias.html",
    ),
    "aws_iam_security_token_service_preferences": (
        "sets the STS global endpoint token version for the account",
        f"{API}/IAM/latest/APIReference/API_SetSecurityTokenServicePreferences.html",
    ),
    "aws_api_gateway_account": (
        "changes information about the current Account resource (the Region's API Gateway settings)",
        f"{API}/apigateway/latest/api/API_UpdateAccount.html",
    ),
    "aws_xray_encryption_config": (
        "updates the encryption configuration for X-Ray data",
        f"{API}/xray/latest/api/API_PutEncryptionConfig.html",
    ),
    "aws_cloudwatch_log_account_policy": (
        "creates an account-level data protection, subscription filter or field index policy",
        f"{API}/AmazonCloudWatchLogs/latest/APIReference/API_PutAccountPolicy.html",
    ),
    "aws_emr_block_public_access_configuration": (
        "creates or updates an Amazon EMR block public access configuration for your account in the Region",
        f"{API}/emr/latest/APIReference/API_PutBlockPublicAccessConfiguration.html",
    ),
    "aws_ssm_service_setting": (
        "a service setting is an account-level setting for an AWS service",
        f"{API}/systems-manager/latest/APIReference/API_UpdateServiceSetting.html",
    ),
    "aws_backup_region_settings": (
        "updates the current service opt-in settings for the Region",
        f"{API}/aws-backup/latest/devguide/API_UpdateRegionSettings.html",
    ),
    "aws_ecr_registry_scanning_configuration": (
        "creates or updates the scanning configuration for your private registry",
        f"{API}/AmazonECR/latest/APIReference/API_PutRegistryScanningConfiguration.html",
    ),
    "aws_account_alternate_contact": (
        "modifies the specified alternate contact attached to an AWS account",
        f"{API}/accounts/latest/reference/API_PutAlternateContact.html",
    ),
}
# Resources account-wide by name rather than by type: IoT Core writes its logs to these fixed log groups
# (https://docs.aws.amazon.com/iot/latest/developerguide/cloud-watch-logs.html).
ACCOUNT_LOG_GROUPS = ("AWSIotLogsV2", "AWSIotLogs")
SERVICE_LINKED = (
    "one per service and account unless it has a custom suffix; deleting it breaks every user of the service",
    f"{API}/IAM/latest/UserGuide/using-service-linked-roles.html",
)


def check(resource, view):
    if resource.type == "aws_cloudwatch_log_group":
        if resource.get("name") not in ACCOUNT_LOG_GROUPS:
            return None
        why = ("IoT Core writes the whole account's logs to this log group", ACCOUNT_WIDE["aws_iot_logging_options"][1])
    elif resource.type == "aws_iam_service_linked_role":
        if resource.get("custom_suffix"):
            return None
        why = SERVICE_LINKED
    else:
        why = ACCOUNT_WIDE[resource.type]
    if stack_kind(view.document) == ACCOUNT_BASELINE:
        return ok("an account baseline owns this account-wide resource")
    return fail(f"{resource.type} is account-wide ({why[0]}; {why[1]}): an environment must not own it")


RULE = Rule(
    id="ENV-ACCT-001",
    title="Environments own no account-wide resource",
    category="resilience",
    severity="high",
    resource_types=(*ACCOUNT_WIDE, "aws_cloudwatch_log_group", "aws_iam_service_linked_role"),
    check=check,
    fix="move it to the account baseline stack (infra/stacks/account_baseline.py, "
    "declare_stack_kind(stack, 'account-baseline')) and read it from the environment through a data source",
)

"""The account baseline: account-wide settings, deployed once per account and region, read by every environment.

An environment stack (one per PR suffix) must never own these: each is one per account and region, so two
environments would overwrite each other and the first destroy would reset the account for all of them.
What the baseline publishes, an environment reads through data sources (`BaselineContract`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, TerraformOutput, TerraformStack, Token
from constructs import Construct

from infra import aws
from infra.backend import state_backend
from infra.components.keys import PlatformKeys
from infra.config import PlatformConfig
from infra.constructs.iam import Statement, service_role
from infra.constructs.log_group import encrypted_log_group
from infra.context import PlatformContext
from infra.naming import Namer
from policies.metadata import ACCOUNT_BASELINE, declare_stack_kind

# IoT Core writes its v2 logs to this fixed, account-wide log group (AWS names it; it carries no suffix).
IOT_LOG_GROUP = "AWSIotLogsV2"
# The default of new domain configurations, TLS 1.2 and 1.3 only
# (https://docs.aws.amazon.com/iot/latest/developerguide/iot-endpoints-tls-config.html).
DEVICE_TLS_POLICY = "IoTSecurityPolicy_TLS13_1_2_2022_10"
BASELINE_KEYS = {
    "catalog": "Glue Data Catalog metadata and connection passwords (account-wide)",
    "logs": "IoT Core logs (account-wide AWSIotLogsV2 log group)",
    "parameters": "the SSM parameters the baseline publishes to environments",
}
# What the account must already have; the baseline does not create these (the landing zone owns them).
ACCOUNT_PREREQUISITES = (
    ("AWS Config configuration recorder and delivery channel", "the AWS Config rules of production environments"),
    ("a Lake Formation administrator able to run the first baseline deploy", "PutDataLakeSettings"),
    ("the MES API key secret of each environment (iotsp/<suffix>/mes-api-key)", "the environment's rotation"),
)


def parameter_prefix(name_prefix: str) -> str:
    return f"/{name_prefix}/account-baseline"


@dataclass(frozen=True)
class BaselineContract:
    """Where an environment finds what the baseline owns: SSM parameter names (the catalog key and the Lake
    Formation admins are read from their own services, which are the authority)."""

    name_prefix: str

    @property
    def device_endpoint_parameter(self) -> str:
        return f"{parameter_prefix(self.name_prefix)}/iot-device-endpoint"

    @property
    def domain_configuration_parameter(self) -> str:
        return f"{parameter_prefix(self.name_prefix)}/iot-domain-configuration"

    @property
    def tls_policy_parameter(self) -> str:
        return f"{parameter_prefix(self.name_prefix)}/iot-tls-policy"


def baseline_stack_name(region: str) -> str:
    return f"iot-account-baseline-{region}"


class AccountBaselineStack(TerraformStack):
    """Lake Formation settings, Glue Data Catalog encryption, IoT Core logging and the devices' TLS 1.2+ endpoint."""

    def __init__(self, scope: Construct, config: PlatformConfig) -> None:
        super().__init__(scope, baseline_stack_name(config.region))
        declare_stack_kind(self, ACCOUNT_BASELINE)
        # The baseline outlives every environment: it always takes the production posture (30-day key window,
        # one-year logs), whatever profile an environment uses.
        self.config = config
        tags = {**config.tags(), "Environment": "account-baseline", "Profile": "account-baseline"}
        aws.AwsProvider(self, "aws", region=config.region, default_tags=[aws.AwsProviderDefaultTags(tags=tags)])
        name = baseline_stack_name(config.region)
        state_backend(self, config, f"iot-platform/account-baseline/{config.region}/terraform.tfstate", name)
        identity = aws.DataAwsCallerIdentity(self, "account")
        partition = aws.DataAwsPartition(self, "partition")
        ctx = PlatformContext(
            config=config,
            namer=Namer(config.name_prefix, config.region),  # IAM names are global: the region keeps them apart
            account_id=identity.account_id,
            partition=partition.partition,
        )
        self.ctx = ctx
        self.contract = BaselineContract(config.name_prefix)
        self.keys = PlatformKeys(self, "keys", ctx, domains=BASELINE_KEYS, log_domain="logs")

        self.catalog_encryption = aws.GlueDataCatalogEncryptionSettings(
            self,
            "catalog-encryption",
            data_catalog_encryption_settings=aws.GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings(
                encryption_at_rest=aws.GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest(
                    catalog_encryption_mode="SSE-KMS", sse_aws_kms_key_id=self.keys.arn("catalog")
                ),
                connection_password_encryption=aws.GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption(
                    return_connection_password_encrypted=True, aws_kms_key_id=self.keys.arn("catalog")
                ),
            ),
        )

        # PutDataLakeSettings replaces the whole settings object, every field of it, not only the admins
        # (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_PutDataLakeSettings.html): a field left
        # out is reset. So each is set here, explicitly: the admins the account has plus the deployer (it grants the
        # environments' permissions) and any configured admin; read-only admins, trusted resource owners, session
        # tag values and parameters (e.g. CROSS_ACCOUNT_VERSION) kept as they are; no default permissions for new
        # databases and tables (an IAM_ALLOWED_PRINCIPALS entry there hands new tables to plain IAM access,
        # bypassing Lake Formation: https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html);
        # no external data filtering and no full-table access for third-party engines (nothing here uses them).
        current = aws.DataAwsLakeformationDataLakeSettings(self, "current-lake-settings")
        session = aws.DataAwsIamSessionContext(self, "session", arn=identity.arn)
        self.lake_settings = aws.LakeformationDataLakeSettings(
            self,
            "lake-settings",
            admins=Fn.distinct(
                Token.as_list(Fn.concat([current.admins, [session.issuer_arn, *config.lake_formation_admins]]))
            ),
            read_only_admins=current.read_only_admins,
            trusted_resource_owners=current.trusted_resource_owners,
            authorized_session_tag_value_list=current.authorized_session_tag_value_list,
            parameters=current.get_string_map_attribute("parameters"),
            create_database_default_permissions=[],
            create_table_default_permissions=[],
            allow_external_data_filtering=False,
            external_data_filtering_allow_list=[],
            allow_full_table_external_data_access=False,
        )

        self.iot_log_group = encrypted_log_group(self, "iot-log-group", ctx, IOT_LOG_GROUP, self.keys.key("logs"))
        logging_role = service_role(
            self,
            "iot-logging-role",
            ctx.namer.iam_role("iot-logging"),
            "iot.amazonaws.com",
            [
                Statement(
                    "WriteIotLogs",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [self.iot_log_group.arn, f"{self.iot_log_group.arn}:*"],
                )
            ],
            ctx.account_id,
        )
        self.iot_logging = aws.IotLoggingOptions(
            self,
            "iot-logging",
            default_log_level="WARN",
            role_arn=logging_role.arn,
            disable_all_logs=False,
            depends_on=[self.iot_log_group],
        )

        # The default endpoint's domain configuration (iot:Data-ATS) cannot be updated
        # (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateDomainConfiguration.html), so devices
        # connect to this AWS-managed configurable endpoint, which carries the TLS 1.2+ policy. AWS keeps an
        # AWS-managed domain configuration DISABLED for 7 days before it may be deleted
        # (https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-managing.html): it lives
        # here, in the long-lived baseline, never in an environment that must destroy in minutes.
        self.device_domain = aws.IotDomainConfiguration(
            self,
            "device-domain",
            name=ctx.namer.iot("devices"),
            service_type="DATA",
            tls_config=aws.IotDomainConfigurationTlsConfig(security_policy=DEVICE_TLS_POLICY),
            status="ENABLED",
        )
        published = {
            "device-endpoint": (self.contract.device_endpoint_parameter, self.device_domain.domain_name),
            "domain-configuration": (self.contract.domain_configuration_parameter, self.device_domain.name),
            "tls-policy": (self.contract.tls_policy_parameter, DEVICE_TLS_POLICY),
        }
        for id_, (name, value) in published.items():
            aws.SsmParameter(
                self,
                f"parameter-{id_}",
                name=name,
                type="SecureString",  # not secret, but encrypted like everything the platform stores
                key_id=self.keys.arn("parameters"),
                value=value,
                description="published by the account baseline for every environment",
            )
        outputs = {
            "iotDeviceEndpoint": self.device_domain.domain_name,
            "iotDomainConfigurationName": self.device_domain.name,
            "iotTlsPolicy": DEVICE_TLS_POLICY,
            "iotLogGroupName": self.iot_log_group.name,
            "catalogKeyArn": self.keys.arn("catalog"),
            "lakeFormationAdmins": Fn.jsonencode(self.lake_settings.admins),
        }
        for name, value in outputs.items():
            TerraformOutput(self, name, value=value)

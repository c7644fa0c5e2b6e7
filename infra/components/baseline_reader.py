"""What an environment reads from the account baseline, checked at plan time: a missing baseline stops the plan
with one line saying what to deploy first, instead of an environment that half-works."""

from __future__ import annotations

from cdktf import Fn, Postcondition, TerraformResourceLifecycle
from constructs import Construct

from infra import aws
from infra.context import PlatformContext
from infra.stacks.account_baseline import BaselineContract, baseline_stack_name


def _check(condition: str, error: str) -> TerraformResourceLifecycle:
    return TerraformResourceLifecycle(postcondition=[Postcondition(condition=condition, error_message=error)])


class BaselineReader(Construct):
    """The account baseline's facts, read through data sources (the environment owns none of them)."""

    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext) -> None:
        super().__init__(scope, id_)
        deploy_first = (
            f"deploy the account baseline first (tox -e baseline; stack {baseline_stack_name(ctx.region)}) "
            "or ask the account's platform owners to"
        )
        contract = BaselineContract(ctx.config.name_prefix)
        caller = aws.DataAwsCallerIdentity(self, "caller")
        session = aws.DataAwsIamSessionContext(self, "session", arn=caller.arn)
        self.lake_settings = aws.DataAwsLakeformationDataLakeSettings(
            self,
            "lake-settings",
            lifecycle=_check(
                f"${{contains(self.admins, {session.issuer_arn})}}",
                "the deploying principal is not a Lake Formation administrator, so it cannot grant this "
                f"environment's permissions: {deploy_first} with it in lakeFormationAdmins",
            ),
        )
        self.catalog_encryption = aws.DataAwsGlueDataCatalogEncryptionSettings(
            self,
            "catalog-encryption",
            catalog_id=ctx.account_id,
            lifecycle=_check(
                '${self.data_catalog_encryption_settings[0].encryption_at_rest[0].catalog_encryption_mode == "SSE-KMS"'
                " && startswith(self.data_catalog_encryption_settings[0].encryption_at_rest[0].sse_aws_kms_key_id,"
                ' "arn:")}',
                f"the Glue Data Catalog is not encrypted with a customer-managed key named by ARN: {deploy_first}",
            ),
        )
        rest = self.catalog_encryption.data_catalog_encryption_settings.get(0).encryption_at_rest.get(0)
        self.catalog_key_arn = rest.sse_aws_kms_key_id
        # Host names, not secrets: SecureString only because the platform encrypts what it stores.
        self.device_endpoint = Fn.nonsensitive(
            aws.DataAwsSsmParameter(self, "device-endpoint", name=contract.device_endpoint_parameter).value
        )
        self.domain_configuration = Fn.nonsensitive(
            aws.DataAwsSsmParameter(self, "domain-configuration", name=contract.domain_configuration_parameter).value
        )

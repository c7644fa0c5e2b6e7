"""ATH-ENC-001: an Athena workgroup enforces its configuration and encrypts results with KMS."""

from policies.lookups import customer_managed_key
from policies.model import Rule, block_of, fail, ok


def check(workgroup, view):
    config = block_of(workgroup.get("configuration"))
    if (
        workgroup.flag("enforce_workgroup_configuration", config.get("enforce_workgroup_configuration")) is False
        or not config
    ):
        return fail("workgroup does not enforce its configuration: clients can write unencrypted results")
    encryption = block_of(block_of(config.get("result_configuration")).get("encryption_configuration"))
    if encryption.get("encryption_option") not in ("SSE_KMS", "CSE_KMS"):
        return fail(f"query results are encrypted with {encryption.get('encryption_option') or 'nothing'}, not KMS")
    is_cmk, why = customer_managed_key(encryption.get("kms_key_arn"), view)
    return ok("enforced, results on a CMK") if is_cmk else fail(f"results key: {why}")


RULE = Rule(
    id="ATH-ENC-001",
    title="Athena workgroups enforce KMS-encrypted results",
    category="encryption",
    severity="high",
    resource_types=("aws_athena_workgroup",),
    check=check,
    fix="set configuration.enforce_workgroup_configuration = true and result encryption SSE_KMS with a CMK",
    covers=("CKV_AWS_82", "CKV_AWS_159"),
)

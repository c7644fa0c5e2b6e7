"""Fixture by fixture, where a rule and its declared Checkov twin disagree, which is right and why.

A twin (a built-in in a rule's `covers`) is folded into the rule's finding and silenced with it, so its failure
must imply the rule's: a fixture where the twin fails and the rule passes would let a suppression, a waiver or a
pass of ours hide a real failure, and needs an explanation here. Where the rule fails and the twin passes, the rule
tests more than the twin (a customer-managed key where the twin takes any key, every port where it takes one): that is
explained here too. The table must match the fixtures exactly: a new disagreement, or one that went away, fails.
"""

from __future__ import annotations

import pytest

from policies import builtins
from policies.engine import judge, judge_stack, users_of
from policies.model import StackView
from policies.rulebook import all_rules
from tests.policies.fixture_forms import FORMS, profile_of

OURS, CHECKOV = "ours", "checkov"
CMK = (
    "the twin takes any key (or encryption at all); the control asks for a customer-managed key, and an AWS-managed "
    "alias, the AWS-owned default, a key from a variable or a reference to something that is not a key is not one"
)
UNREADABLE = "the value comes from a variable the stack does not show: the rule fails closed, the twin passes it"
LITERAL = (
    'the companion names the bucket literally (`bucket = "named"`), which Terraform accepts; Checkov links '
    "companions to buckets only through references"
)

# The failing forms policies.fixtures.cmk_forms writes for every customer-managed-key rule, but the first (no key)
KEY_FORMS = {
    "AWS-managed alias written literally",
    "aws_kms_alias resource naming an AWS-managed alias",
    "data.aws_kms_key of an AWS-managed alias",
    "key from a variable the stack does not show",
    "reference to something that is not a key",
}

# rule, twin, our status on the form, right, why, forms
TABLE = [
    (
        "ATH-ENC-001",
        "CKV_AWS_82",
        "failed",
        OURS,
        "CKV_AWS_82 tests only that the workgroup enforces its "
        "configuration (the provider's default); the rule also asks for SSE-KMS results on a CMK",
        {"SSE-S3 results", "no configuration", "AWS-managed key", "key from a variable"},
    ),
    (
        "ATH-ENC-001",
        "CKV_AWS_159",
        "failed",
        OURS,
        "CKV_AWS_159 takes SSE-S3 results and a configuration clients "
        "may override (enforce_workgroup_configuration false) as encrypted; " + CMK,
        {"SSE-S3 results", "configuration not enforced", "AWS-managed key", "key from a variable"},
    ),
    *[
        (
            "NET-SG-001",
            twin,
            "failed",
            OURS,
            f"{twin} tests one port (22, 3389, 80, or -1 for all) on IPv4 CIDRs; "
            "the rule fails world ingress (0.0.0.0/0 or ::/0) on any port, and a CIDR it cannot read",
            forms,
        )
        for twin, forms in [
            (
                "CKV_AWS_24",
                {
                    "VPC ingress rule from 0.0.0.0/0",
                    "VPC ingress rule from ::/0",
                    "inline IPv6 ingress",
                    "CIDR from a variable",
                },
            ),
            *[
                (
                    t,
                    {
                        "VPC ingress rule from 0.0.0.0/0",
                        "VPC ingress rule from ::/0",
                        "inline ingress block",
                        "inline IPv6 ingress",
                        "CIDR from a variable",
                    },
                )
                for t in ("CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277")
            ],
        ]
    ],
    (
        "SEC-PLAIN-001",
        "CKV_AWS_45",
        "failed",
        OURS,
        "an API key in a Lambda environment is a plaintext secret in the "
        "synthesized output; Checkov's secret patterns (detect-secrets) miss its form",
        {"Lambda environment API key"},
    ),
    (
        "RES-PRD-001",
        "CKV_AWS_139",
        "failed",
        OURS,
        "CKV_AWS_139 tests deletion protection only; production also "
        "keeps a final snapshot and more than a day of backups",
        {"skips the final snapshot", "one day of backups"},
    ),
    ("GLUE-ENC-002", "CKV_AWS_195", "failed", OURS, UNREADABLE, {"from a variable"}),
    (
        "GLUE-ENC-001",
        "CKV_AWS_99",
        "failed",
        OURS,
        "CKV_AWS_99 takes any encryption mode (SSE-S3 included); " + CMK,
        {"S3 with SSE-S3", "AWS-managed key", "key from a variable"},
    ),
    (
        "IAM-MAN-001",
        "CKV2_AWS_56",
        "failed",
        OURS,
        "CKV2_AWS_56 tests IAMFullAccess only; the rule refuses every "
        "administrative or *FullAccess managed policy, and one it cannot read",
        {
            "role attachment of AdministratorAccess",
            "AmazonS3FullAccess in managed_policy_arns",
            "customer policy outside the stack",
        },
    ),
    (
        "IAM-MAN-001",
        "CKV_AWS_274",
        "failed",
        OURS,
        "CKV_AWS_274 tests AdministratorAccess by its literal ARN; the "
        "rule reads partition tokens and data sources, refuses PowerUserAccess and *FullAccess, and fails what it "
        "cannot read",
        {
            "PowerUserAccess through aws_iam_policy_attachment with a partition token",
            "IAMFullAccess via a data source",
            "AmazonS3FullAccess in managed_policy_arns",
            "policy ARN from a variable",
            "customer policy outside the stack",
        },
    ),
    (
        "IAM-PUB-001",
        "CKV_AWS_70",
        "failed",
        OURS,
        "an Allow with NotPrincipal grants everyone but the named "
        "principals (AWS's IAM reference advises against NotPrincipal with Allow); CKV_AWS_70 looks for Principal * "
        "only",
        {"NotPrincipal allow grants everyone else"},
    ),
    (
        "IAM-LP-001",
        "CKV_AWS_63",
        "failed",
        OURS,
        'CKV_AWS_63 flags only a literal "*" action in a JSON-string '
        "policy (on terraform_json it cannot read jsonencode tokens or documents); the rule expands patterns against "
        "the action catalog (iam:Pass*, s3:PutBucket?olicy), refuses NotAction and unknown actions, and fails what it "
        "cannot read",
        {
            "service wildcard in a jsonencode token",
            "* in a policy document data source",
            "iam:Pass* (a pattern that is PassRole)",
            "iam:*Policy in the middle",
            "? pattern reaching PutBucketPolicy",
            "NotAction allow",
            "action the catalog does not know",
            "unreadable: actions from a variable",
        },
    ),
    ("IAM-LP-001", "CKV_AWS_49", "failed", OURS, UNREADABLE, {"unreadable: actions from a variable"}),
    *[
        (
            "IAM-LP-002",
            twin,
            "failed",
            OURS,
            f'{twin} (cloudsplaining) counts only Resource "*" as unconstrained; '
            "arn:aws:s3:::*/* reaches every object of every bucket just the same",
            {"s3:PutObject on every bucket's objects (arn:aws:s3:::*/*)"},
        )
        for twin in ("CKV_AWS_111", "CKV_AWS_109")
    ],
    (
        "IAM-ESC-001",
        "CKV_AWS_110",
        "failed",
        OURS,
        'CKV_AWS_110 (cloudsplaining) counts only Resource "*"; '
        "iam:PutRolePolicy on role/* with sts:AssumeRole escalates through every role",
        {"iam:PutRolePolicy + sts:AssumeRole on role/*"},
    ),
    (
        "KIN-ENC-001",
        "CKV_AWS_43",
        "failed",
        OURS,
        "CKV_AWS_43 tests encryption_type KMS only; " + CMK,
        {"no key set (AWS-owned or AWS-managed key)", *KEY_FORMS},
    ),
    *[
        (
            rule,
            twin,
            "failed",
            OURS,
            CMK,
            KEY_FORMS,
        )
        for rule, twin in [
            ("KIN-ENC-001", "CKV_AWS_185"),
            ("LOG-ENC-001", "CKV_AWS_158"),
            ("RDS-ENC-001", "CKV_AWS_327"),
            ("RDS-ENC-002", "CKV_AWS_354"),
            ("SNS-ENC-001", "CKV_AWS_26"),
        ]
    ],
    (
        "RDS-ENC-001",
        "CKV_AWS_96",
        "failed",
        OURS,
        "CKV_AWS_96 tests storage_encrypted only; " + CMK,
        {"no key set (AWS-owned or AWS-managed key)", *KEY_FORMS},
    ),
    (
        "SEC-ENC-001",
        "CKV_AWS_149",
        "failed",
        OURS,
        CMK,
        {
            "aws_kms_alias resource naming an AWS-managed alias",
            "data.aws_kms_key of an AWS-managed alias",
            "key from a variable the stack does not show",
            "reference to something that is not a key",
        },
    ),
    (
        "KMS-POL-001",
        "CKV_AWS_33",
        "failed",
        OURS,
        "CKV_AWS_33 tests for a wildcard principal in a JSON-string key "
        "policy; the rule also refuses the provider's default policy, kms:* or key administration to a role, an "
        "unbound service principal or another account (a literal account the stack does not declare, root or "
        "a service's binding), and NotPrincipal, in every form the policy is written",
        {
            "AWS's default key policy naming an account the stack does not declare",
            "a service bound with aws:SourceAccount to an account the stack does not declare",
            "no key policy (the default)",
            "Principal * without a condition",
            "kms:* to a role",
            "service principal without a condition (jsonencode)",
            "NotPrincipal allow",
            "another account's root without a condition",
            "key administration to a role (kms:PutKeyPolicy)",
        },
    ),
    (
        "LOG-RET-001",
        "CKV_AWS_66",
        "failed",
        OURS,
        "CKV_AWS_66 tests that a retention is set; 0 keeps logs forever, "
        "7 and 14 days (a string Terraform converts) are below the 30 the control asks for, and a variable cannot "
        "be read",
        {
            "retention 0",
            "7 days",
            "retention from a variable",
            "14 days written as a string (Terraform converts it to 14)",
        },
    ),
    (
        "RDS-LOG-001",
        "CKV_AWS_324",
        "failed",
        OURS,
        "CKV_AWS_324 takes any log export; the rule asks for the "
        "engine's own log (postgresql, MySQL audit) and cannot read a variable",
        {"PostgreSQL exporting only instance logs", "MySQL without audit", "from a variable"},
    ),
    (
        "S3-LOG-001",
        "CKV_AWS_18",
        "failed",
        OURS,
        "CKV_AWS_18 passes a logging resource without a target bucket; no target, no logs",
        {"logging resource without target", "legacy inline block without target", "target from a variable"},
    ),
    ("S3-LOG-001", "CKV_AWS_18", "passed", OURS, LITERAL, {"by literal bucket name"}),
    (
        "S3-ENC-001",
        "CKV_AWS_145",
        "failed",
        OURS,
        "CKV_AWS_145 takes aws:kms with any key; " + CMK,
        {"SSE-KMS with the AWS-managed key", "SSE-KMS with no key (aws/s3 default)", "key from a variable"},
    ),
    (
        "S3-ENC-001",
        "CKV_AWS_145",
        "passed",
        OURS,
        "aws:kms:dsse is dual-layer SSE-KMS (AWS S3 User Guide, "
        "UsingDSSEncryption) on a CMK, which CKV_AWS_145 does not know; and " + LITERAL,
        {"DSSE-KMS with a CMK", "companion matched by literal bucket name"},
    ),
    (
        "S3-ENC-001",
        "CKV_AWS_145",
        "waived",
        OURS,
        "the access-log target bucket: S3 log delivery writes with "
        "SSE-S3 (AWS S3 User Guide, enable-server-access-logging), the exception AWS documents",
        {"SSE-S3 on the access-log target bucket (waived: log delivery writes with SSE-S3)"},
    ),
    (
        "S3-PAB-001",
        "CKV2_AWS_6",
        "failed",
        OURS,
        "CKV2_AWS_6 tests that a public access block exists; all four settings must be on",
        {"one setting off"},
    ),
    ("S3-PAB-001", "CKV2_AWS_6", "passed", OURS, LITERAL, {"all four on, by literal bucket name"}),
    (
        "SEC-ROT-001",
        "CKV2_AWS_57",
        "failed",
        OURS,
        "CKV2_AWS_57 takes any rotation resource; without a schedule "
        "(rotation_rules) the secret never rotates automatically, and a variable cannot be read",
        {"rotation without a schedule", "schedule from a variable"},
    ),
    (
        "SNAP-ENC-001",
        "CKV_AWS_183",
        "failed",
        OURS,
        "CKV_AWS_183 takes any kms_key_id; " + CMK,
        {"EBS snapshot copy encrypted with alias/aws/ebs", "EBS snapshot copy, encrypted from a variable"},
    ),
    (
        "SNAP-ENC-001",
        "CKV_AWS_204",
        "failed",
        OURS,
        "CKV_AWS_204 passes every device made from a snapshot; such a device has the snapshot's encryption (EC2 API "
        "EbsBlockDevice), which the rule follows to the snapshot's volume or copy, and fails closed on a snapshot "
        "the stack does not show",
        {
            "AMI from a literal snapshot id (its encryption cannot be read)",
            "AMI from a snapshot copy with the AWS-managed key",
            "AMI from a snapshot of an unencrypted volume",
        },
    ),
    (
        "SNAP-ENC-001",
        "CKV_AWS_235",
        "failed",
        OURS,
        "CKV_AWS_235 tests encrypted only; without kms_key_id CopyImage encrypts with the AWS-managed aws/ebs key",
        {"AMI copy encrypted with the AWS-managed key (no kms_key_id)"},
    ),
    (
        "SNAP-ENC-001",
        "CKV_AWS_236",
        "failed",
        OURS,
        "CKV_AWS_236 tests kms_key_id only; CopyImage uses the key only with Encrypted = true (EC2 API CopyImage), "
        "otherwise the copy keeps its source's encryption, or none",
        {"AMI copy with a CMK but encrypted left out"},
    ),
    (
        "SEC-ROT-001",
        "CKV2_AWS_57",
        "failed",
        OURS,
        "CKV2_AWS_57 takes any rotation resource; the control asks for a rotation at least every 30 days (the "
        "maximum AWS Config's SECRETSMANAGER_ROTATION_ENABLED_CHECK holds the account to): these schedules leave "
        "longer gaps, stop after a year, or come from a variable the stack does not show",
        {
            "every 90 days (the longest Checkov's own check allows)",
            "31 days written as a string (Terraform converts it)",
            "rate(31 days)",
            "rate(1000 hours): 41.7 days",
            "monthly cron on the 1st (31-day gaps)",
            "cron on the last day of every month (Feb 28 to Mar 31)",
            "quarterly cron",
            "first Sunday of every month (up to 35 days)",
            "cron on the 31st (months without one are skipped)",
            "cron with a year: rotation stops after it",
            "schedule expression from a variable",
            "rate with its value from a variable",
            "short schedule, but a second rotation of the same secret every 90 days",
        },
    ),
    # NET-SG-001 judges what the merged CIDRs cover (more than one public IPv4 /8 or IPv6 /32), the twins only the
    # literal world CIDRs on their port
    *[
        (
            "NET-SG-001",
            twin,
            "failed",
            OURS,
            f"{twin} matches the world CIDR literally (0.0.0.0/0 or ::/0); these forms reach as much of the internet "
            "through halves, wide prefixes, host bits or many /8s, which the rule judges by the addresses covered",
            {
                "IPv6 global unicast 2000::/3 (all of the IPv6 internet)",
                "IPv6 halves ::/1 + 8000::/1 on a rule resource",
                "a single prefix wider than /8 (0.0.0.0/4)",
                "host bits set in a world CIDR (0.0.0.1/0)",
                "many /8s whose union is wider than a /8 of public space",
                "two /1 halves that together are the whole IPv4 internet",
            },
        )
        for twin in ("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277")
    ],
    (
        "IAM-MAN-001",
        "CKV_AWS_274",
        "failed",
        OURS,
        "CKV_AWS_274 fails AdministratorAccess alone; the rule judges an attached policy by AWS's document of it "
        "(write or read of data on every resource) and fails closed on an ARN it cannot resolve",
        {
            "AWS's RDS monitoring policy: Write on RDS* log groups of every region and account",
            "AmazonEC2ContainerRegistryPowerUser (ecr:PutImage on every repository)",
            "ReadOnlyAccess job function (Read of every object, secret-free but data-wide)",
            "SecretsManagerReadWrite (secretsmanager:* and Lambda/CloudFormation writes on *), judged by its document",
            "a customer ARN in this account naming no aws_iam_policy of the stack",
            "a known name under the wrong path (service-role/ReadOnlyAccess does not exist)",
            "an AWS managed policy the catalog does not hold (fails closed)",
        },
    ),
    (
        "IAM-MAN-001",
        "CKV2_AWS_56",
        "failed",
        OURS,
        "CKV2_AWS_56 matches IAMFullAccess by name; the rule reads the attached policy's document, and an ARN that "
        "resolves to no known policy fails closed",
        {
            "AmazonEC2ContainerRegistryPowerUser (ecr:PutImage on every repository)",
            "ReadOnlyAccess job function (Read of every object, secret-free but data-wide)",
            "a known name under the wrong path (service-role/ReadOnlyAccess does not exist)",
            "an AWS managed policy the catalog does not hold (fails closed)",
        },
    ),
    (
        "IAM-PUB-001",
        "CKV_AWS_60",
        "failed",
        OURS,
        "CKV_AWS_60 looks for a Principal of * in a trust policy; a web-identity trust without a fixed sub (or aud "
        "for Cognito) admits every identity of that provider: any GitHub repository, any EKS service account",
        {
            "Cognito identity trust without the identity pool (aud)",
            "EKS OIDC provider without a sub condition",
            "GitHub OIDC trust with aud only",
            "GitHub OIDC trust with no condition",
            "GitHub OIDC trust with sub in StringLikeIfExists (absent claim passes)",
            "GitHub OIDC trust with sub repo:*",
            "provider resource referenced through an aws_iam_policy_document, sub tested with StringNotEquals",
        },
    ),
    (
        "IAM-PUB-001",
        "CKV_AWS_283",
        "failed",
        OURS,
        "CKV_AWS_283 passes this trust (a provider referenced through an aws_iam_policy_document); its sub test is "
        "negated, which admits every other subject of the provider",
        {"provider resource referenced through an aws_iam_policy_document, sub tested with StringNotEquals"},
    ),
    (
        "SEC-PLAIN-001",
        "CKV_AWS_45",
        "failed",
        OURS,
        "CKV_AWS_45 matches known secret formats in Lambda environment values; the rule also follows a fetched "
        "secret's value into plain settings and flags high-entropy values whatever their key",
        {
            "a fetched secret's value copied into a Lambda environment variable",
            "a high-entropy value under a key that names nothing secret",
        },
    ),
    (
        "SEC-PLAIN-001",
        "CKV_AWS_46",
        "failed",
        OURS,
        "CKV_AWS_46 passes this user data; the rule recognises a PEM private key by detect-secrets' detectors",
        {"a private key in EC2 user data"},
    ),
]


def _disagreements():
    found = set()
    for rule in (r for r in all_rules() if r.covers):
        for kind in ("fail", "pass"):
            for form in FORMS[rule.id][kind]:
                view = StackView(form.document, "fixture")
                parts = form.subject.split(".")
                subject = view.get(parts[-2], parts[-1], "data" if parts[0] == "data" else "resource")
                ours = judge(rule, subject, view, profile_of(rule.id, form)).status
                results = builtins.run(view.judged_document, rule.covers)  # what the gate gives Checkov
                for twin in rule.covers:
                    verdicts = []
                    for r in (r for r in results if r.check_id == twin):
                        if r.address == form.subject:
                            verdicts.append(r.passed)
                        elif r.address.startswith("data.aws_iam_policy_document."):
                            document = view.get("aws_iam_policy_document", r.address.split(".")[-1], "data")
                            if subject in users_of(document, view):
                                verdicts.append(r.passed)
                    if not verdicts:
                        continue
                    twin_failed = not all(verdicts)
                    if twin_failed != (ours == "failed"):
                        found.add((rule.id, twin, ours, form.form))
    return found


def test_every_disagreement_with_a_twin_is_explained_and_no_explanation_is_stale():
    explained = {(rule, twin, ours, form) for rule, twin, ours, _, _, forms in TABLE for form in forms}
    found = _disagreements()
    assert found - explained == set(), "explain in TABLE which is right and why"
    assert explained - found == set(), "these no longer disagree: drop them from TABLE"


def test_a_twin_failure_never_hides_behind_a_pass_of_ours_where_checkov_is_right():
    """Where the twin fails and our rule passes (the twin then stands as its own failure) or is waived (the twin
    shares the waiver), our rule is the one that is right."""
    assert {right for _, _, ours, right, _, _ in TABLE if ours != "failed"} == {OURS}
    assert all(len(why) > 40 for *_, why, _ in TABLE)


REPLACEMENTS = [(rule.id, replacement) for rule in all_rules() for replacement in rule.replaces]


@pytest.mark.parametrize(
    ("rule_id", "replacement"), REPLACEMENTS, ids=[f"{r}-{'+'.join(p.checks)}" for r, p in REPLACEMENTS]
)
def test_each_replacement_is_earned_on_the_rules_own_forms(rule_id, replacement):
    """A rule replaces a built-in because the built-in reads the resource wrongly, and its forms must show it: on
    at least one form the replaced built-in's verdict on a resource of a replaced type contradicts the form (it
    fails a passing form: a false alarm; or passes a failing one: a miss). On each passing form where it fails,
    the gate's engine waives it with the rule's reason, and the rule passes."""
    contradicted = []
    for kind in ("pass", "fail"):
        for form in FORMS[rule_id][kind]:
            view = StackView(form.document, "fixture")
            results = builtins.run(view.judged_document, replacement.checks)
            on_types = [r for r in results if r.address.removeprefix("data.").split(".")[0] in replacement.types]
            wrong = [r for r in on_types if r.passed == (kind == "fail")]
            if kind == "fail" and on_types and not wrong:
                continue
            if kind == "fail" and not on_types:  # the built-in never reads the failing resource: a miss too
                contradicted.append(form.form)
                continue
            if not wrong:
                continue
            contradicted.append(form.form)
            if kind == "pass":
                outcomes = judge_stack(view, results, profile_of(rule_id, form))
                for result in wrong:
                    waived = next(o for o in outcomes if (o.id, o.address) == (result.check_id, result.address))
                    assert waived.status == "waived" and rule_id in waived.reason, (form.form, waived.line())
                assert not [o.line() for o in outcomes if o.id == rule_id and o.status == "failed"]
    assert contradicted, f"no form of {rule_id} shows {replacement.checks} reading {replacement.types} wrongly"

"""Lake Formation governance: admins, registered locations, and specific grants (never ALL)."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.components.baseline_reader import BaselineReader
from infra.components.lake import DataLake
from infra.constructs.iam import Statement, policy_document, service_role
from infra.context import PlatformContext

GOVERNED_BUCKETS = ("raw", "curated", "anomalies")


class LakeGovernance(Construct):
    """The governed buckets of `lake` registered with Lake Formation, the analyst role, and the job's and the
    analysts' grants, each waiting for the baseline's check that the deployer is a Lake Formation admin."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        lake: DataLake,
        lake_key: aws.KmsKey,
        baseline: BaselineReader,
        job_role: aws.IamRole,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        # Lake Formation's settings are account-wide (the account baseline owns them); grants wait for the
        # check that this deployer is one of its administrators.
        self.settings = baseline.lake_settings

        governed = [lake.buckets[p] for p in GOVERNED_BUCKETS]
        self.registration_role = service_role(
            self,
            "registration-role",
            n.iam_role("lake-registration"),
            "lakeformation.amazonaws.com",
            [
                Statement("ListGoverned", ["s3:ListBucket"], [b.arn for b in governed]),
                Statement(
                    "ReadWriteGoverned",
                    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    [f"{b.arn}/*" for b in governed],
                ),
                Statement("UseLakeKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [lake_key.arn]),
            ],
            ctx.account_id,
        )
        self.locations = {
            purpose: aws.LakeformationResource(
                self, f"location-{purpose}", arn=lake.buckets[purpose].arn, role_arn=self.registration_role.arn
            )
            for purpose in GOVERNED_BUCKETS
        }

        analyst_trust = policy_document(
            self,
            "analyst-trust",
            [
                Statement(
                    "AnalystsWithMfa",
                    ["sts:AssumeRole"],
                    principals={"AWS": [ctx.root_principal]},
                    conditions=[("Bool", "aws:MultiFactorAuthPresent", ["true"])],
                )
            ],
        )
        self.analyst_role = aws.IamRole(
            self, "analyst-role", name=n.iam_role("lake-analyst"), assume_role_policy=analyst_trust.json
        )
        results = lake.buckets["athena-results"]
        analyst_policy = policy_document(
            self,
            "analyst-policy-doc",
            [
                Statement(
                    "QueryThroughWorkgroup",
                    [
                        "athena:StartQueryExecution",
                        "athena:GetQueryExecution",
                        "athena:GetQueryResults",
                        "athena:StopQueryExecution",
                        "athena:GetWorkGroup",
                    ],
                    [lake.athena_workgroup.arn],
                ),
                Statement(
                    "ReadCatalog",
                    ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
                    [
                        ctx.arn("glue", "catalog"),
                        ctx.arn("glue", f"database/{lake.database.name}"),
                        ctx.arn("glue", f"table/{lake.database.name}/*"),
                    ],
                ),
                Statement(
                    "LakeFormationDataAccess",
                    ["lakeformation:GetDataAccess"],
                    ["*"],
                    conditions=[("StringEquals", "aws:RequestedRegion", [ctx.region])],
                ),
                Statement("ResultsBucket", ["s3:GetBucketLocation", "s3:ListBucket"], [results.arn]),
                Statement("ResultsObjects", ["s3:GetObject", "s3:PutObject"], [f"{results.arn}/results/*"]),
                Statement("UseLakeKey", ["kms:Decrypt", "kms:GenerateDataKey"], [lake_key.arn]),
                Statement("ReadEncryptedCatalog", ["kms:Decrypt"], [baseline.catalog_key_arn]),
            ],
        )
        aws.IamRolePolicy(
            self, "analyst-policy", role=self.analyst_role.id, name="lake-analyst", policy=analyst_policy.json
        )

        grants = {
            "job-db": (job_role.arn, ["DESCRIBE"], "database", None),
            "job-events": (job_role.arn, ["SELECT", "INSERT", "DESCRIBE", "ALTER"], "table", lake.events_table.name),
            "job-anomalies": (
                job_role.arn,
                ["SELECT", "INSERT", "DESCRIBE", "ALTER"],
                "table",
                lake.anomalies_table.name,
            ),
            "job-episodes": (
                job_role.arn,
                ["SELECT", "INSERT", "DESCRIBE", "ALTER"],
                "table",
                lake.episodes_table.name,
            ),
            "analyst-db": (self.analyst_role.arn, ["DESCRIBE"], "database", None),
            "analyst-events": (self.analyst_role.arn, ["SELECT", "DESCRIBE"], "table", lake.events_table.name),
            "analyst-anomalies": (self.analyst_role.arn, ["SELECT", "DESCRIBE"], "table", lake.anomalies_table.name),
            "analyst-episodes": (self.analyst_role.arn, ["SELECT", "DESCRIBE"], "table", lake.episodes_table.name),
        }
        for id_suffix, (principal, permissions, kind, table) in grants.items():
            aws.LakeformationPermissions(
                self,
                f"grant-{id_suffix}",
                principal=principal,
                permissions=permissions,
                database=aws.LakeformationPermissionsDatabase(name=lake.database.name) if kind == "database" else None,
                table=aws.LakeformationPermissionsTable(database_name=lake.database.name, name=table)
                if kind == "table"
                else None,
                depends_on=[self.settings],
            )
        for purpose in ("curated", "anomalies"):
            aws.LakeformationPermissions(
                self,
                f"grant-job-location-{purpose}",
                principal=job_role.arn,
                permissions=["DATA_LOCATION_ACCESS"],
                data_location=aws.LakeformationPermissionsDataLocation(arn=self.locations[purpose].arn),
                depends_on=[self.settings],
            )

"""Aurora PostgreSQL Serverless v2 for real-time monitoring: private, encrypted, TLS-only, RDS-rotated secret."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement, policy_document
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.placement import VpcPlacement
from infra.context import PlatformContext
from policies import suppress

ENGINE = "aurora-postgresql"
ENGINE_VERSION = "16.6"
PARAMETER_FAMILY = "aurora-postgresql16"
DATABASE_NAME = "sensors"
MASTER_USERNAME = "iot_admin"
SECRET_ROTATION_DAYS = 7
CLUSTER_PARAMETERS = {
    "rds.force_ssl": "1",  # TLS in transit, always
    "ssl_min_protocol_version": "TLSv1.2",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": "1000",
}


class MonitoringDatabase(Construct):
    """The cluster in `placement`, its storage and Performance Insights under `key`, its master secret (owned and
    rotated by RDS) under `secrets_key`; `database_name` is the database the job and the migration use."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        key: aws.KmsKey,
        secrets_key: aws.KmsKey,
        placement: VpcPlacement,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        identifier = n.rds("monitoring")
        self.database_name = DATABASE_NAME
        self.subnet_group = aws.DbSubnetGroup(
            self,
            "subnets",
            name=n.rds("monitoring-subnets"),
            subnet_ids=placement.subnet_ids,
            description="Private subnets",
        )
        self.parameter_group = aws.RdsClusterParameterGroup(
            self,
            "parameters",
            name=n.rds("monitoring-tls"),
            family=PARAMETER_FAMILY,
            description="TLS only, connection and DDL logging",
            parameter=[
                aws.RdsClusterParameterGroupParameter(name=k, value=v, apply_method="pending-reboot")
                for k, v in CLUSTER_PARAMETERS.items()
            ],
        )
        # RDS writes to this group; creating it first makes it encrypted and retained.
        self.log_group = encrypted_log_group(
            self, "postgres-logs", ctx, f"/aws/rds/cluster/{identifier}/postgresql", placement.log_key
        )
        production = ctx.production
        self.cluster = aws.RdsCluster(
            self,
            "cluster",
            cluster_identifier=identifier,
            engine=ENGINE,
            engine_mode="provisioned",
            engine_version=ENGINE_VERSION,
            database_name=DATABASE_NAME,
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=secrets_key.arn,
            storage_encrypted=True,
            kms_key_id=key.arn,
            iam_database_authentication_enabled=True,
            enable_http_endpoint=True,  # the RDS Data API: the schema migration runs without a driver or password
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[placement.security_group.id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            enabled_cloudwatch_logs_exports=["postgresql"],
            backup_retention_period=35 if production else 7,
            preferred_backup_window="02:00-03:00",
            preferred_maintenance_window="sun:03:30-sun:04:30",
            copy_tags_to_snapshot=True,
            deletion_protection=production,
            skip_final_snapshot=not production,
            final_snapshot_identifier=n.rds("monitoring-final") if production else None,
            apply_immediately=not production,
            serverlessv2_scaling_configuration=aws.RdsClusterServerlessv2ScalingConfiguration(
                min_capacity=0.5, max_capacity=16 if production else 4
            ),
            depends_on=[self.log_group],
            tags={"DataClassification": "confidential"},
        )
        suppress(
            self.cluster,
            "CKV2_AWS_8",
            reason="Aurora automated backups with point-in-time recovery (7 days ephemeral, 35 production) are "
            "the backup control; an AWS Backup vault is an account-level service outside this stack",
        )
        monitoring_trust = policy_document(
            self,
            "monitoring-trust",
            [
                Statement(
                    "RdsMonitoringAssume",
                    ["sts:AssumeRole"],
                    principals={"Service": ["monitoring.rds.amazonaws.com"]},
                    conditions=[("StringEquals", "aws:SourceAccount", [ctx.account_id])],
                )
            ],
        )
        self.monitoring_role = aws.IamRole(
            self, "monitoring-role", name=n.iam_role("rds-monitoring"), assume_role_policy=monitoring_trust.json
        )
        monitoring_policy = aws.IamRolePolicyAttachment(
            self,
            "monitoring-policy",
            role=self.monitoring_role.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        suppress(
            monitoring_policy,
            "IAM-MAN-001",
            reason="AWS's documented policy for the RDS enhanced-monitoring role: it writes log events to RDS* log "
            "groups of any region and account; the role is assumable only by monitoring.rds.amazonaws.com of this "
            "account (aws:SourceAccount). A policy naming the RDSOSMetrics log group would be narrower",
            applies_to=["AmazonRDSEnhancedMonitoringRole"],
        )
        self.instances = [
            aws.RdsClusterInstance(
                self,
                f"instance-{index}",
                identifier=n.rds(f"monitoring-{index}"),
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=ENGINE,
                engine_version=ENGINE_VERSION,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=key.arn,
                performance_insights_retention_period=7,
                copy_tags_to_snapshot=True,
                apply_immediately=not production,
                monitoring_interval=60,
                monitoring_role_arn=self.monitoring_role.arn,
            )
            for index in range(1, (2 if production else 1) + 1)
        ]
        self.secret_arn = self.cluster.master_user_secret.get(0).secret_arn
        # RDS owns and rotates the master secret; this pins the schedule instead of relying on the default.
        self.secret_rotation = aws.SecretsmanagerSecretRotation(
            self,
            "secret-rotation",
            secret_id=self.secret_arn,
            rotation_rules=aws.SecretsmanagerSecretRotationRotationRules(automatically_after_days=SECRET_ROTATION_DAYS),
            rotate_immediately=False,
        )

"""Private network: 3-AZ private subnets, no internet path, VPC endpoints, flow logs, minimal security groups."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement, service_role
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.placement import VpcPlacement
from infra.context import PlatformContext
from policies import suppress

VPC_CIDR = "10.40.0.0/16"
AZ_LETTERS = ("a", "b", "c")
# Interface endpoints for what the Glue job, the rotation Lambda and the database reach.
# rds-data: the schema migration; xray: the functions' traces.
INTERFACE_ENDPOINTS = (
    "kinesis-streams",
    "secretsmanager",
    "kms",
    "logs",
    "glue",
    "sts",
    "monitoring",
    "rds-data",
    "xray",
)
POSTGRES_PORT = 5432
HTTPS_PORT = 443


class PlatformNetwork(Construct):
    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, log_key: aws.KmsKey) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.log_key = log_key
        self.vpc = aws.Vpc(
            self,
            "vpc",
            cidr_block=VPC_CIDR,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": n.generic("vpc")},
        )
        # The default security group allows nothing (Security Hub EC2.2).
        aws.DefaultSecurityGroup(self, "default-sg", vpc_id=self.vpc.id, tags={"Name": n.generic("default-deny")})
        self.availability_zones = [f"{ctx.region}{letter}" for letter in AZ_LETTERS]
        self.private_route_table = aws.RouteTable(
            self, "private-rt", vpc_id=self.vpc.id, tags={"Name": n.generic("private")}
        )
        self.private_subnets = []
        for index, az in enumerate(self.availability_zones):
            subnet = aws.Subnet(
                self,
                f"private-{az}",
                vpc_id=self.vpc.id,
                cidr_block=f"10.40.{index * 16}.0/20",
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={"Name": n.generic(f"private-{az}"), "Tier": "private"},
            )
            aws.RouteTableAssociation(
                self, f"private-{az}-rt", subnet_id=subnet.id, route_table_id=self.private_route_table.id
            )
            self.private_subnets.append(subnet)
        self.subnet_ids = [s.id for s in self.private_subnets]

        self.job_sg = self._security_group("job-sg", n.security_group("glue-job"), "Glue streaming job ENIs")
        self.lambda_sg = self._security_group("lambda-sg", n.security_group("rotation-lambda"), "Rotation Lambda")
        self.db_sg = self._security_group("db-sg", n.security_group("aurora"), "Aurora PostgreSQL cluster")
        self.endpoint_sg = self._security_group("endpoint-sg", n.security_group("endpoints"), "VPC interface endpoints")

        # Only the flows the platform needs; nothing from or to 0.0.0.0/0.
        self._ingress("db-from-job", self.db_sg, POSTGRES_PORT, self.job_sg, "Glue job writes anomalies")
        self._egress("job-to-db", self.job_sg, POSTGRES_PORT, self.db_sg, "Glue job writes anomalies")
        for name, sg in (("job", self.job_sg), ("lambda", self.lambda_sg)):
            self._ingress(f"endpoints-from-{name}", self.endpoint_sg, HTTPS_PORT, sg, f"{name} calls AWS APIs")
            self._egress(f"{name}-to-endpoints", sg, HTTPS_PORT, self.endpoint_sg, f"{name} calls AWS APIs")
        if ctx.config.mes_cidr:
            aws.VpcSecurityGroupEgressRule(
                self,
                "lambda-to-mes",
                security_group_id=self.lambda_sg.id,
                cidr_ipv4=ctx.config.mes_cidr,
                ip_protocol="tcp",
                from_port=HTTPS_PORT,
                to_port=HTTPS_PORT,
                description="Key rotation proves the new key against the MES",
            )
        # Glue requires a self-referencing rule on the job's security group for its workers to talk to each other.
        aws.VpcSecurityGroupIngressRule(
            self,
            "job-self-ingress",
            security_group_id=self.job_sg.id,
            referenced_security_group_id=self.job_sg.id,
            ip_protocol="tcp",
            from_port=0,
            to_port=65535,
            description="Glue workers (required self-reference)",
        )
        suppress(
            self.job_sg,
            "CKV2_AWS_5",
            reason="attached through the Glue NETWORK connection (security_group_id_list), which Checkov does "
            "not follow",
        )
        aws.VpcSecurityGroupEgressRule(
            self,
            "job-self-egress",
            security_group_id=self.job_sg.id,
            referenced_security_group_id=self.job_sg.id,
            ip_protocol="tcp",
            from_port=0,
            to_port=65535,
            description="Glue workers (required self-reference)",
        )

        self.s3_endpoint = aws.VpcEndpoint(
            self,
            "s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{ctx.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.private_route_table.id],
            tags={"Name": n.generic("s3")},
        )
        aws.VpcSecurityGroupEgressRule(
            self,
            "job-to-s3",
            security_group_id=self.job_sg.id,
            prefix_list_id=self.s3_endpoint.prefix_list_id,
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            description="Glue job reads and writes the lake through the S3 gateway endpoint",
        )
        self.interface_endpoints = {
            service: aws.VpcEndpoint(
                self,
                f"{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{ctx.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[self.endpoint_sg.id],
                tags={"Name": n.generic(service)},
            )
            for service in INTERFACE_ENDPOINTS
        }

        flow_log_group = encrypted_log_group(self, "flow-log-group", ctx, n.log_group("vpc", "flow-logs"), log_key)
        flow_role = service_role(
            self,
            "flow-log-role",
            n.iam_role("flow-logs"),
            "vpc-flow-logs.amazonaws.com",
            [
                Statement(
                    "DeliverFlowLogs",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [flow_log_group.arn, f"{flow_log_group.arn}:*"],
                )
            ],
            ctx.account_id,
        )
        self.flow_log = aws.FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_log_group.arn,
            iam_role_arn=flow_role.arn,
            max_aggregation_interval=60,
        )

    def placement(self, security_group: aws.SecurityGroup) -> VpcPlacement:
        """Where a workload behind `security_group` runs: the private subnets, its logs under the network's log key."""
        return VpcPlacement(self.private_subnets, security_group, self.log_key)

    def _security_group(self, id_: str, name: str, description: str) -> aws.SecurityGroup:
        return aws.SecurityGroup(
            self, id_, name=name, description=description, vpc_id=self.vpc.id, revoke_rules_on_delete=True
        )

    def _ingress(self, id_: str, sg: aws.SecurityGroup, port: int, source: aws.SecurityGroup, why: str) -> None:
        aws.VpcSecurityGroupIngressRule(
            self,
            id_,
            security_group_id=sg.id,
            referenced_security_group_id=source.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=why,
        )

    def _egress(self, id_: str, sg: aws.SecurityGroup, port: int, target: aws.SecurityGroup, why: str) -> None:
        aws.VpcSecurityGroupEgressRule(
            self,
            id_,
            security_group_id=sg.id,
            referenced_security_group_id=target.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=why,
        )

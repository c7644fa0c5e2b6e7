"""A failing and a passing Terraform JSON document for every rule (the rule's `subject` is the resource under test).

Each fixture is (subject address, document). Tests run every fixture through the Aspect and through Checkov.
"""

from __future__ import annotations

import json
from typing import Any

TAGS = {
    "Environment": "t",
    "Project": "p",
    "Owner": "o",
    "CostCenter": "c",
    "DataClassification": "internal",
}
KEY = {"aws_kms_key": {"k": {"enable_key_rotation": True, "policy": "${data.aws_iam_policy_document.kp.json}"}}}
KEY_POLICY = {
    "aws_iam_policy_document": {
        "kp": {
            "statement": [
                {
                    "sid": "Admin",
                    "actions": ["kms:Describe*"],
                    "resources": ["*"],
                    "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}],
                }
            ]
        }
    }
}


def doc(resources: dict[str, Any], data: dict[str, Any] | None = None, default_tags: bool = True) -> dict[str, Any]:
    provider: dict[str, Any] = {"region": "eu-central-1"}
    if default_tags:
        provider["default_tags"] = [{"tags": TAGS}]
    document = {"provider": {"aws": [provider]}, "resource": resources}
    if data:
        document["data"] = data
    return document


def _bucket(**companions: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {"aws_s3_bucket": {"b": {"bucket": "fixture-bucket", "force_destroy": True}}}
    for rtype, config in companions.items():
        resources[f"aws_s3_bucket_{rtype}"] = {"c": {"bucket": "${aws_s3_bucket.b.id}", **config}}
    return resources


def _tls_policy(deny: bool) -> str:
    statement = {
        "Effect": "Deny" if deny else "Allow",
        "Principal": "*" if deny else {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:*" if deny else "s3:GetObject",
        "Resource": ["arn:aws:s3:::fixture-bucket", "arn:aws:s3:::fixture-bucket/*"],
    }
    if deny:
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _role_policy(statement: dict[str, Any]) -> dict[str, Any]:
    """A role policy written with Fn.jsonencode, as cdktf synthesizes it."""
    body = json.dumps({"Version": "2012-10-17", "Statement": [statement]}).replace('": ', '" = ')
    return {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${jsonencode(" + body + ")}"}}}


def _sse(algorithm: str, key: str | None) -> dict[str, Any]:
    default = {"sse_algorithm": algorithm, **({"kms_master_key_id": key} if key else {})}
    return {"rule": [{"apply_server_side_encryption_by_default": default, "bucket_key_enabled": True}]}


def _cluster(**config: Any) -> dict[str, Any]:
    base = {
        "engine": "aurora-postgresql",
        "storage_encrypted": True,
        "kms_key_id": "${aws_kms_key.k.arn}",
        "manage_master_user_password": True,
        "master_user_secret_kms_key_id": "${aws_kms_key.k.arn}",
        "iam_database_authentication_enabled": True,
        "enabled_cloudwatch_logs_exports": ["postgresql"],
        "db_cluster_parameter_group_name": "${aws_rds_cluster_parameter_group.pg.name}",
        "skip_final_snapshot": True,
        "deletion_protection": False,
        "backup_retention_period": 7,
    }
    base.update(config)
    return {
        "aws_rds_cluster": {"db": base},
        "aws_rds_cluster_parameter_group": {
            "pg": {"family": "aurora-postgresql16", "parameter": [{"name": "rds.force_ssl", "value": "1"}]}
        },
        **KEY,
    }


def _glue_security(bookmarks: str) -> dict[str, Any]:
    key = "${aws_kms_key.k.arn}"
    return {
        "aws_glue_security_configuration": {
            "sc": {
                "name": "sc",
                "encryption_configuration": {
                    "s3_encryption": {"s3_encryption_mode": "SSE-KMS", "kms_key_arn": key},
                    "cloudwatch_encryption": {"cloudwatch_encryption_mode": "SSE-KMS", "kms_key_arn": key},
                    "job_bookmarks_encryption": {"job_bookmarks_encryption_mode": bookmarks, "kms_key_arn": key},
                },
            }
        },
        **KEY,
    }


def _athena(option: str) -> dict[str, Any]:
    return {
        "aws_athena_workgroup": {
            "wg": {
                "name": "wg",
                "configuration": {
                    "enforce_workgroup_configuration": True,
                    "result_configuration": {
                        "encryption_configuration": {"encryption_option": option, "kms_key_arn": "${aws_kms_key.k.arn}"}
                    },
                },
            }
        },
        **KEY,
    }


def _iot_policy(resource: str, action: str = "iot:Publish") -> dict[str, Any]:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    return {"aws_iot_policy": {"dev": {"name": "dev", "policy": json.dumps(policy)}}}


THING_TOPIC = "arn:aws:iot:eu-central-1:111122223333:topic/sensors/$${iot:Connection.Thing.ThingName}/telemetry"
LOG_KEY = {"kms_key_id": "${aws_kms_key.k.arn}", "retention_in_days": 30}
SECRET_ROTATION = {
    "aws_secretsmanager_secret_rotation": {
        "rot": {
            "secret_id": "${data.aws_secretsmanager_secret.mes.id}",
            "rotation_lambda_arn": "arn:aws:lambda:eu-central-1:111122223333:function:rot",
            "rotation_rules": {"automatically_after_days": 30},
        }
    }
}
MES_SECRET = {"aws_secretsmanager_secret": {"mes": {"name": "mes-api-key"}}}


def _kind(kind: str | None, resources: dict[str, Any]) -> dict[str, Any]:
    """A document whose stack declares `kind` in its "//" metadata (None: undeclared, which counts as environment)."""
    document = doc(resources)
    if kind is not None:
        document["//"] = {"guardrails": {"stack_kind": kind}}
    return document


LF_SETTINGS = {"aws_lakeformation_data_lake_settings": {"s": {"admins": ["arn:aws:iam::111122223333:role/admin"]}}}
IOT_LOG_GROUP = {"aws_cloudwatch_log_group": {"g": {"name": "AWSIotLogsV2", **LOG_KEY}}}

# rule id -> {"fail": [(subject, document)], "pass": [...]}; `production` marks documents for that profile.
FIXTURES: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {
    "S3-ENC-001": {
        "fail": [
            ("aws_s3_bucket.b", doc(_bucket(server_side_encryption_configuration=_sse("AES256", None)))),
            ("aws_s3_bucket.b", doc(_bucket(server_side_encryption_configuration=_sse("aws:kms", "alias/aws/s3")))),
            ("aws_s3_bucket.b", doc(_bucket())),
        ],
        "pass": [
            (
                "aws_s3_bucket.b",
                doc({**_bucket(server_side_encryption_configuration=_sse("aws:kms", "${aws_kms_key.k.arn}")), **KEY}),
            )
        ],
    },
    "S3-TLS-001": {
        "fail": [
            ("aws_s3_bucket.b", doc(_bucket(policy={"policy": _tls_policy(False)}))),
            ("aws_s3_bucket.b", doc(_bucket())),
        ],
        "pass": [("aws_s3_bucket.b", doc(_bucket(policy={"policy": _tls_policy(True)})))],
    },
    "S3-PAB-001": {
        "fail": [("aws_s3_bucket.b", doc(_bucket(public_access_block={"block_public_acls": True})))],
        "pass": [
            (
                "aws_s3_bucket.b",
                doc(
                    _bucket(
                        public_access_block={
                            "block_public_acls": True,
                            "block_public_policy": True,
                            "ignore_public_acls": True,
                            "restrict_public_buckets": True,
                        }
                    )
                ),
            )
        ],
    },
    "S3-VER-001": {
        "fail": [("aws_s3_bucket.b", doc(_bucket(versioning={"versioning_configuration": {"status": "Suspended"}})))],
        "pass": [("aws_s3_bucket.b", doc(_bucket(versioning={"versioning_configuration": {"status": "Enabled"}})))],
    },
    "S3-LOG-001": {
        "fail": [("aws_s3_bucket.b", doc(_bucket()))],
        "pass": [("aws_s3_bucket.b", doc(_bucket(logging={"target_bucket": "logs", "target_prefix": "b/"})))],
    },
    "KIN-ENC-001": {
        "fail": [
            ("aws_kinesis_stream.s", doc({"aws_kinesis_stream": {"s": {"name": "s", "shard_count": 1}}})),
            (
                "aws_kinesis_stream.s",
                doc(
                    {
                        "aws_kinesis_stream": {
                            "s": {"name": "s", "encryption_type": "KMS", "kms_key_id": "alias/aws/kinesis"}
                        }
                    }
                ),
            ),
        ],
        "pass": [
            (
                "aws_kinesis_stream.s",
                doc(
                    {
                        "aws_kinesis_stream": {
                            "s": {"name": "s", "encryption_type": "KMS", "kms_key_id": "${aws_kms_key.k.arn}"}
                        },
                        **KEY,
                    }
                ),
            )
        ],
    },
    "LOG-ENC-001": {
        "fail": [("aws_cloudwatch_log_group.g", doc({"aws_cloudwatch_log_group": {"g": {"retention_in_days": 30}}}))],
        "pass": [("aws_cloudwatch_log_group.g", doc({"aws_cloudwatch_log_group": {"g": LOG_KEY}, **KEY}))],
    },
    "LOG-RET-001": {
        "fail": [("aws_cloudwatch_log_group.g", doc({"aws_cloudwatch_log_group": {"g": {"kms_key_id": "alias/x"}}}))],
        "pass": [("aws_cloudwatch_log_group.g", doc({"aws_cloudwatch_log_group": {"g": LOG_KEY}, **KEY}))],
    },
    "LOG-RET-002": {
        "fail": [("aws_cloudwatch_log_group.g", doc({"aws_cloudwatch_log_group": {"g": LOG_KEY}, **KEY}))],
        "pass": [
            (
                "aws_cloudwatch_log_group.g",
                doc({"aws_cloudwatch_log_group": {"g": {**LOG_KEY, "retention_in_days": 365}}, **KEY}),
            )
        ],
    },
    "SNS-ENC-001": {
        "fail": [("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"kms_master_key_id": "alias/aws/sns"}}}))],
        "pass": [
            ("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"kms_master_key_id": "${aws_kms_key.k.id}"}}, **KEY}))
        ],
    },
    "SNS-TLS-001": {
        "fail": [("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"name": "t"}}}))],
        "pass": [
            (
                "aws_sns_topic.t",
                doc(
                    {
                        "aws_sns_topic": {"t": {"name": "t"}},
                        "aws_sns_topic_policy": {
                            "p": {
                                "arn": "${aws_sns_topic.t.arn}",
                                "policy": json.dumps(
                                    {
                                        "Statement": [
                                            {
                                                "Effect": "Deny",
                                                "Principal": "*",
                                                "Action": "sns:Publish",
                                                "Resource": "*",
                                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                            }
                                        ]
                                    }
                                ),
                            }
                        },
                    }
                ),
            )
        ],
    },
    "KMS-ROT-001": {
        "fail": [("aws_kms_key.k", doc({"aws_kms_key": {"k": {"enable_key_rotation": False}}}))],
        "pass": [("aws_kms_key.k", doc(KEY, KEY_POLICY))],
    },
    "KMS-POL-001": {
        "fail": [
            ("aws_kms_key.k", doc({"aws_kms_key": {"k": {"enable_key_rotation": True}}})),
            (
                "aws_kms_key.k",
                doc(
                    {
                        "aws_kms_key": {
                            "k": {
                                "enable_key_rotation": True,
                                "policy": json.dumps(
                                    {
                                        "Statement": [
                                            {
                                                "Effect": "Allow",
                                                "Principal": "*",
                                                "Action": "kms:Decrypt",
                                                "Resource": "*",
                                            }
                                        ]
                                    }
                                ),
                            }
                        }
                    }
                ),
            ),
        ],
        "pass": [("aws_kms_key.k", doc(KEY, KEY_POLICY))],
    },
    "RDS-ENC-001": {
        "fail": [
            ("aws_rds_cluster.db", doc(_cluster(storage_encrypted=False))),
            ("aws_rds_cluster.db", doc(_cluster(kms_key_id=None))),
        ],
        "pass": [("aws_rds_cluster.db", doc(_cluster()))],
    },
    "RDS-ENC-002": {
        "fail": [
            (
                "aws_rds_cluster_instance.i",
                doc({"aws_rds_cluster_instance": {"i": {"performance_insights_enabled": True}}}),
            )
        ],
        "pass": [
            (
                "aws_rds_cluster_instance.i",
                doc(
                    {
                        "aws_rds_cluster_instance": {
                            "i": {
                                "performance_insights_enabled": True,
                                "performance_insights_kms_key_id": "${aws_kms_key.k.arn}",
                            }
                        },
                        **KEY,
                    }
                ),
            )
        ],
    },
    "RDS-TLS-001": {
        "fail": [("aws_rds_cluster.db", doc(_cluster(db_cluster_parameter_group_name=None)))],
        "pass": [("aws_rds_cluster.db", doc(_cluster()))],
    },
    "RDS-LOG-001": {
        "fail": [("aws_rds_cluster.db", doc(_cluster(enabled_cloudwatch_logs_exports=[])))],
        "pass": [("aws_rds_cluster.db", doc(_cluster()))],
    },
    "RDS-NET-001": {
        "fail": [
            ("aws_rds_cluster_instance.i", doc({"aws_rds_cluster_instance": {"i": {"publicly_accessible": True}}}))
        ],
        "pass": [
            ("aws_rds_cluster_instance.i", doc({"aws_rds_cluster_instance": {"i": {"publicly_accessible": False}}}))
        ],
    },
    "RDS-IAM-001": {
        "fail": [("aws_rds_cluster.db", doc(_cluster(iam_database_authentication_enabled=False)))],
        "pass": [("aws_rds_cluster.db", doc(_cluster()))],
    },
    "GLUE-ENC-001": {
        "fail": [("aws_glue_security_configuration.sc", doc(_glue_security("DISABLED")))],
        "pass": [("aws_glue_security_configuration.sc", doc(_glue_security("CSE-KMS")))],
    },
    "GLUE-ENC-002": {
        "fail": [("aws_glue_job.j", doc({"aws_glue_job": {"j": {"name": "j", "role_arn": "r"}}}))],
        "pass": [
            (
                "aws_glue_job.j",
                doc({"aws_glue_job": {"j": {"name": "j", "role_arn": "r", "security_configuration": "sc"}}}),
            )
        ],
    },
    "ATH-ENC-001": {
        "fail": [("aws_athena_workgroup.wg", doc(_athena("SSE_S3")))],
        "pass": [("aws_athena_workgroup.wg", doc(_athena("SSE_KMS")))],
    },
    "IOT-TLS-001": {
        "fail": [("aws_iot_domain_configuration.d", doc({"aws_iot_domain_configuration": {"d": {"name": "d"}}}))],
        "pass": [
            (
                "aws_iot_domain_configuration.d",
                doc(
                    {
                        "aws_iot_domain_configuration": {
                            "d": {"name": "d", "tls_config": {"security_policy": "IoTSecurityPolicy_TLS13_1_2_2022_10"}}
                        }
                    }
                ),
            )
        ],
    },
    "IOT-POL-001": {
        "fail": [
            ("aws_iot_policy.dev", doc(_iot_policy("*"))),
            ("aws_iot_policy.dev", doc(_iot_policy(THING_TOPIC, "iot:*"))),
            ("aws_iot_policy.dev", doc(_iot_policy("arn:aws:iot:eu-central-1:111122223333:topic/sensors/all"))),
        ],
        "pass": [("aws_iot_policy.dev", doc(_iot_policy(THING_TOPIC)))],
    },
    "IOT-ERR-001": {
        "fail": [("aws_iot_topic_rule.r", doc({"aws_iot_topic_rule": {"r": {"name": "r", "sql": "SELECT *"}}}))],
        "pass": [
            (
                "aws_iot_topic_rule.r",
                doc({"aws_iot_topic_rule": {"r": {"name": "r", "error_action": {"s3": {"bucket_name": "q"}}}}}),
            )
        ],
    },
    "IOT-LOG-001": {
        "fail": [("aws_iot_topic_rule.r", doc({"aws_iot_topic_rule": {"r": {"name": "r"}}}))],
        "pass": [
            (
                "aws_iot_topic_rule.r",
                doc(
                    {
                        "aws_iot_topic_rule": {"r": {"name": "r"}},
                        "aws_iot_logging_options": {"l": {"default_log_level": "WARN", "role_arn": "r"}},
                    }
                ),
            )
        ],
    },
    "NET-SG-001": {
        "fail": [
            (
                "aws_vpc_security_group_ingress_rule.i",
                doc(
                    {
                        "aws_vpc_security_group_ingress_rule": {
                            "i": {"cidr_ipv4": "0.0.0.0/0", "from_port": 5432, "to_port": 5432}
                        }
                    }
                ),
            ),
            (
                "aws_security_group.sg",
                doc(
                    {
                        "aws_security_group": {
                            "sg": {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22}]}
                        }
                    }
                ),
            ),
        ],
        "pass": [
            (
                "aws_vpc_security_group_ingress_rule.i",
                doc(
                    {
                        "aws_vpc_security_group_ingress_rule": {
                            "i": {"referenced_security_group_id": "sg-1", "from_port": 5432}
                        }
                    }
                ),
            )
        ],
    },
    "VPC-LOG-001": {
        "fail": [("aws_vpc.v", doc({"aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}}}))],
        "pass": [
            (
                "aws_vpc.v",
                doc(
                    {
                        "aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}},
                        "aws_flow_log": {"f": {"vpc_id": "${aws_vpc.v.id}"}},
                    }
                ),
            )
        ],
    },
    "LF-GRANT-001": {
        "fail": [
            (
                "aws_lakeformation_permissions.g",
                doc({"aws_lakeformation_permissions": {"g": {"principal": "r", "permissions": ["ALL"]}}}),
            )
        ],
        "pass": [
            (
                "aws_lakeformation_permissions.g",
                doc(
                    {"aws_lakeformation_permissions": {"g": {"principal": "r", "permissions": ["SELECT", "DESCRIBE"]}}}
                ),
            )
        ],
    },
    "IAM-LP-001": {
        "fail": [
            (
                "aws_iam_role_policy.p",
                doc(_role_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})),
            ),
            (
                "aws_iam_role_policy.p",
                doc(
                    {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}}},
                    {
                        "aws_iam_policy_document": {
                            "d": {"statement": [{"actions": ["*"], "resources": ["arn:aws:s3:::b"]}]}
                        }
                    },
                ),
            ),
        ],
        "pass": [
            (
                "aws_iam_role_policy.p",
                doc(_role_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.b.arn}"})),
            )
        ],
    },
    "IAM-LP-002": {
        "fail": [
            (
                "aws_iam_role_policy.p",
                doc(_role_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})),
            ),
            (
                "aws_iam_role_policy.p",
                doc(_role_policy({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"})),
            ),
        ],
        "pass": [
            (
                "aws_iam_role_policy.p",
                doc(
                    _role_policy(
                        {
                            "Effect": "Allow",
                            "Action": "cloudwatch:PutMetricData",
                            "Resource": "*",
                            "Condition": {"StringEquals": {"cloudwatch:namespace": "Plant"}},
                        }
                    )
                ),
            )
        ],
    },
    "IAM-LP-003": {
        "fail": [
            ("aws_iam_role_policy.p", doc(_role_policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})))
        ],
        "pass": [
            (
                "aws_iam_role_policy.p",
                doc(
                    _role_policy(
                        {
                            "Effect": "Allow",
                            "Action": "iam:PassRole",
                            "Resource": "arn:aws:iam::111122223333:role/glue-job",
                        }
                    )
                ),
            )
        ],
    },
    "IAM-PUB-001": {
        "fail": [
            (
                "aws_iam_role.r",
                doc(
                    {
                        "aws_iam_role": {
                            "r": {
                                "assume_role_policy": json.dumps(
                                    {
                                        "Statement": [
                                            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                                        ]
                                    }
                                )
                            }
                        }
                    }
                ),
            )
        ],
        "pass": [
            (
                "aws_iam_role.r",
                doc(
                    {
                        "aws_iam_role": {
                            "r": {
                                "assume_role_policy": json.dumps(
                                    {
                                        "Statement": [
                                            {
                                                "Effect": "Allow",
                                                "Principal": {"Service": "glue.amazonaws.com"},
                                                "Action": "sts:AssumeRole",
                                            }
                                        ]
                                    }
                                )
                            }
                        }
                    }
                ),
            )
        ],
    },
    "TAG-REQ-001": {
        "fail": [
            ("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"tags": {"Environment": "t"}}}}, default_tags=False))
        ],
        "pass": [
            ("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"name": "t"}}})),
            ("aws_sns_topic.t", doc({"aws_sns_topic": {"t": {"tags": TAGS}}}, default_tags=False)),
        ],
    },
    "SEC-ROT-001": {
        "fail": [("aws_secretsmanager_secret.mes", doc(MES_SECRET))],
        "pass": [
            (
                "aws_secretsmanager_secret.mes",
                doc({**MES_SECRET, **json.loads(json.dumps(SECRET_ROTATION).replace("data.aws_", "aws_"))}),
            )
        ],
    },
    "SEC-ENC-001": {
        "fail": [("aws_secretsmanager_secret.mes", doc(MES_SECRET))],
        "pass": [
            (
                "aws_secretsmanager_secret.mes",
                doc({"aws_secretsmanager_secret": {"mes": {"kms_key_id": "${aws_kms_key.k.arn}"}}, **KEY}),
            )
        ],
    },
    "SEC-PLAIN-001": {
        "fail": [
            ("aws_rds_cluster.db", doc(_cluster(master_password="hunter2hunter2"))),
            (
                "aws_lambda_function.f",
                doc({"aws_lambda_function": {"f": {"environment": {"variables": {"API_KEY": "abc123secretvalue"}}}}}),
            ),
        ],
        "pass": [
            (
                "aws_lambda_function.f",
                doc(
                    {
                        "aws_lambda_function": {
                            "f": {
                                "environment": {
                                    "variables": {"API_KEY_SECRET_ARN": "${aws_secretsmanager_secret.s.arn}"}
                                }
                            }
                        }
                    }
                ),
            )
        ],
    },
    "DES-EPH-001": {
        "fail": [
            ("aws_rds_cluster.db", doc(_cluster(deletion_protection=True))),
            ("aws_s3_bucket.b", doc({"aws_s3_bucket": {"b": {"bucket": "b", "lifecycle": {"prevent_destroy": True}}}})),
        ],
        "pass": [("aws_rds_cluster.db", doc(_cluster()))],
    },
    "RES-PRD-001": {
        "fail": [("aws_rds_cluster.db", doc(_cluster()))],
        "pass": [
            (
                "aws_rds_cluster.db",
                doc(_cluster(deletion_protection=True, skip_final_snapshot=False, backup_retention_period=35)),
            )
        ],
    },
    "ENV-ACCT-001": {
        "fail": [
            ("aws_lakeformation_data_lake_settings.s", _kind("environment", LF_SETTINGS)),
            (
                "aws_glue_data_catalog_encryption_settings.c",
                _kind(
                    None,
                    {
                        "aws_glue_data_catalog_encryption_settings": {
                            "c": {
                                "data_catalog_encryption_settings": {
                                    "encryption_at_rest": {"catalog_encryption_mode": "SSE-KMS"},
                                    "connection_password_encryption": {"return_connection_password_encrypted": True},
                                }
                            }
                        }
                    },
                ),
            ),
            (
                "aws_iot_logging_options.l",
                _kind(
                    "environment", {"aws_iot_logging_options": {"l": {"default_log_level": "WARN", "role_arn": "r"}}}
                ),
            ),
            ("aws_cloudwatch_log_group.g", _kind("environment", IOT_LOG_GROUP)),
            (
                "aws_config_configuration_recorder.r",
                _kind("environment", {"aws_config_configuration_recorder": {"r": {"name": "r", "role_arn": "x"}}}),
            ),
            (  # a misspelled kind is no baseline
                "aws_guardduty_detector.d",
                _kind("Account-Baseline", {"aws_guardduty_detector": {"d": {"enable": True}}}),
            ),
            (
                "aws_iam_service_linked_role.slr",
                _kind(None, {"aws_iam_service_linked_role": {"slr": {"aws_service_name": "iot.amazonaws.com"}}}),
            ),
            (
                "aws_iot_domain_configuration.d",
                _kind("environment", {"aws_iot_domain_configuration": {"d": {"name": "d", "service_type": "DATA"}}}),
            ),
        ],
        "pass": [
            ("aws_lakeformation_data_lake_settings.s", _kind("account-baseline", LF_SETTINGS)),
            ("aws_cloudwatch_log_group.g", _kind("account-baseline", IOT_LOG_GROUP)),
            (
                "aws_s3_account_public_access_block.b",
                _kind("account-baseline", {"aws_s3_account_public_access_block": {"b": {"block_public_acls": True}}}),
            ),
            (
                "aws_iam_service_linked_role.slr",
                _kind(
                    "account-baseline",
                    {"aws_iam_service_linked_role": {"slr": {"aws_service_name": "iot.amazonaws.com"}}},
                ),
            ),
        ],
    },
}

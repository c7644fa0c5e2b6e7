"""SEC-PLAIN-001: no secret value is written in the stack, copied into a plain setting, or exported.

Every attribute of every resource is read (nested blocks, maps, JSON strings, `${jsonencode(...)}` bodies parsed
with the HCL reader of policies/iam/documents.py, base64 user data):
- an attribute provider 5.100 marks sensitive (aws_db_instance.password, aws_rds_cluster.master_password,
  aws_secretsmanager_secret_version.secret_string, aws_ssm_parameter.value of a SecureString, ...; the provider's
  schema, policies/secrets/sensitive.py) may hold only a reference to a secret value (a sensitive attribute of a
  data source or resource: data.aws_secretsmanager_secret_version.secret_string, data.aws_ssm_parameter.value; a
  generated or ephemeral password): every literal leaf fails, so does a variable or any other reference;
- a key the user names (Lambda environment, Glue arguments and connection properties, ECS/CodeBuild name-value
  pairs, Airflow options, an SSM String parameter's name, tags, JSON documents) that names a secret by its words
  must carry a pointer (a Secrets Manager / SSM ARN, or a reference to one), and no value may look like a secret
  (detect-secrets formats and entropy, policies/secrets/detection.py);
- a secret value copied into a plain setting (an environment variable, a tag) fails: the service stores it in
  clear text (Lambda: https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html);
- long-lived credentials Terraform generates (aws_iam_access_key, aws_iam_user_login_profile without pgp_key,
  aws_iam_service_specific_credential) land in state in clear text; any output exporting a secret value fails
  (`terraform output -json`, and so cfn-outputs/flat-outputs.json, print sensitive outputs too).
"""

from __future__ import annotations

import json
import re
from typing import Any

from policies.iam.documents import PolicyUnreadable, parse_hcl_expression
from policies.model import DynamicBlock, Rule, Unreadable, Violation, is_opaque, judged
from policies.secrets import detection as secrets
from policies.secrets.sensitive import free_maps, sensitive_computed, sensitive_inputs

META = frozenset({"//", "depends_on", "provider", "lifecycle", "count", "for_each", "connection", "provisioner"})
# Marked sensitive by the provider, yet public or not a secret: certificates (public halves), identifiers, names,
# banners. A literal there is judged like any other setting.
PUBLIC = frozenset(
    {
        "certificate_pem",
        "ca_pem",
        "ca_certificate_pem",
        "verification_certificate_pem",
        "certificate",
        "certificate_chain",
        "kms_key_id",
        "kms_encryption_context",
        "bundle_id",
        "team_id",
        "token_key_id",
        "client_id",
        "post_authentication_login_banner",
        "pre_authentication_login_banner",
        "notes",
        "master_user_name",
        "admin_username",
        "username",
        "schema",
        "token_signing_public_keys",
        "platform_principal",
    }
)
# Sensitive settings that hold many values, each judged by its own key (Glue's PASSWORD beside its JDBC URL).
BY_KEY = frozenset(
    {
        "connection_properties",
        "athena_properties",
        "airflow_configuration_options",
        "content",
        "payload",
        "input",
    }
)
# Keys of the JSON AWS documents for a database secret that are not themselves secret
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
SECRET_JSON_SETTINGS = frozenset(
    {"engine", "host", "port", "username", "dbname", "dbclusteridentifier", "dbinstanceidentifier", "masterarn"}
)
POINTER_TYPES = frozenset({"SECRETS_MANAGER", "PARAMETER_STORE"})  # CodeBuild environment_variable types
# Types whose sensitive values are secrets whatever they hold: `nonsensitive()` does not make an output of them
# acceptable (a data.aws_ssm_parameter value is sensitive because it may be a SecureString; the author may say
# it is not, with Terraform's nonsensitive()).
ALWAYS_SECRET = frozenset(
    {
        "aws_secretsmanager_secret_version",
        "random_password",
        "aws_secretsmanager_random_password",
        "aws_iam_access_key",
        "aws_iam_user_login_profile",
        "aws_iam_service_specific_credential",
    }
)
GENERATED_CREDENTIALS = {
    "aws_iam_access_key": "the secret access key",
    "aws_iam_user_login_profile": "the console password",
}
_JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<body>.*)\)\}$", re.DOTALL)
_INTERPOLATION = re.compile(r"(?<!\$)\$\{")


class _Leaf:
    __slots__ = ("key", "path", "secret_place", "user_key", "value")

    def __init__(self, path: str, key: str, value: Any, user_key: bool, secret_place: bool) -> None:
        self.path, self.key, self.value, self.user_key, self.secret_place = path, key, value, user_key, secret_place

    @property
    def where(self) -> str:
        return f"{self.path}[{self.key!r}]" if self.user_key else self.path


def check(resource, view):
    mode = resource.mode
    walker = _Walker(resource.type, mode, resource.get("name"))
    violations: list[Violation] = []
    for leaf in walker.leaves(resource.config):
        found = _judge(leaf)
        if found:
            violations.append(Violation(found, (leaf.path, leaf.key)))
    violations += [Violation(u, (u,)) for u in walker.unreadable]
    violations += _generated(resource)
    violations += _exported(resource, view)
    return judged(violations, "no secret value in code, plain settings or outputs")


class _Walker:
    def __init__(self, rtype: str, mode: str, parameter_name: Any = None) -> None:
        self.parameter_name = parameter_name if isinstance(parameter_name, str) else ""
        self.inputs = sensitive_inputs(rtype, mode)
        self.maps = free_maps(rtype, mode)
        self.rtype = rtype
        self.unreadable: list[str] = []

    def leaves(self, config: dict[str, Any]):
        for name, value in config.items():
            if name not in META:
                yield from self._walk(value, name, name, user_key=False, secret=self._secret(name))

    def _secret(self, path: str) -> bool:
        leaf = path.rsplit(".", 1)[-1]
        if self.rtype == "aws_ssm_parameter" and path in ("value", "value_wo", "insecure_value"):
            return False  # judged by the parameter's name and the value's content, String or SecureString
        return path in self.inputs and leaf not in PUBLIC and leaf not in BY_KEY

    def _walk(self, value: Any, path: str, key: str, user_key: bool, secret: bool):
        if isinstance(value, DynamicBlock):  # what the template writes in code is in code, whatever it iterates
            yield from self._walk(value.content, path, key, user_key, secret)
        elif isinstance(value, list):
            for item in value:
                yield from self._walk(item, path, key, user_key, secret)
        elif isinstance(value, dict):
            free = user_key or path in self.maps or path.rsplit(".", 1)[-1] in ("tags", "tags_all")
            named = value.get("name", value.get("key"))
            pair = named if isinstance(named, str) and ("value" in value or "valueFrom" in value) else None
            for name, item in value.items():
                if name in META:
                    continue
                if pair is not None and name in ("value", "valueFrom"):
                    if is_opaque(value.get("type")):  # a pointer or a literal: only Terraform knows
                        raise Unreadable(
                            f"{path}[{pair!r}] type is {value.get('type')!r}, which only Terraform can evaluate: "
                            "write PLAINTEXT, PARAMETER_STORE or SECRETS_MANAGER literally"
                        )
                    pointer_pair = name == "valueFrom" or str(value.get("type", "")).upper() in POINTER_TYPES
                    yield _Leaf(path, pair, "" if pointer_pair else item, True, secret)
                elif free:
                    yield from self._walk(item, path, name, True, secret)
                else:
                    child = f"{path}.{name}"
                    yield from self._walk(item, child, name, False, secret or self._secret(child))
        elif isinstance(value, str):
            nested = self._document(value, path)
            if nested is not None:
                yield from self._walk(nested, path, key, True, secret)
            elif self.rtype == "aws_ssm_parameter" and path in ("value", "value_wo", "insecure_value"):
                yield _Leaf(path, self.parameter_name, value, True, False)
            else:
                yield _Leaf(path, key, value, user_key, secret)
        else:
            yield _Leaf(path, key, value, user_key, secret)

    def _document(self, value: str, path: str) -> Any:
        """A JSON string or `${jsonencode(...)}` body as data, or None for a plain string."""
        text = value.strip()
        match = _JSONENCODE.match(text)
        if match:
            try:
                return parse_hcl_expression(match.group("body"))
            except PolicyUnreadable as error:
                self.unreadable.append(f"{path} cannot be read: {error}; write it with literals and references")
                return None
        if text[:1] in "{[" and text[-1:] in "}]":
            try:
                return json.loads(text)
            except ValueError:
                return None
        decoded = secrets.decoded_base64(text) if path.endswith("user_data_base64") else None
        return {"(decoded)": decoded} if decoded else None


def _judge(leaf: _Leaf) -> str:
    value = leaf.value
    if not isinstance(value, str):
        return "" if not leaf.secret_place or value in (None, "") else f"{leaf.where} is written in code"
    if _INTERPOLATION.search(value):
        return _judge_expression(leaf)
    if leaf.secret_place:
        if value == "" or (leaf.user_key and leaf.key.lower() in SECRET_JSON_SETTINGS and not _looks(value)):
            return ""
        return f"{leaf.where} is a secret written in code"
    if leaf.user_key and secrets.secret_key(leaf.key) and not secrets.plain(value) and not secrets.pointer(value):
        return f"{leaf.where} names a secret and holds a literal value"
    found = secrets.looks_secret(value, entropy=leaf.user_key and not _digest(leaf.key))
    return f"{leaf.where} holds what looks like a secret ({found})" if found else ""


def _looks(value: str) -> bool:
    return bool(secrets.looks_secret(value))


def _digest(key: str) -> bool:
    return bool(
        {"hash", "sha", "sha1", "sha256", "sha512", "md5", "etag", "checksum", "digest"} & set(secrets.words(key))
    )


def _judge_expression(leaf: _Leaf) -> str:
    refs = secrets.references(leaf.value)
    carrying = [r for r in refs if secrets.carries_secret(r[0], r[1], r[3])]
    opaque = [f"{r[0]}.{r[2]}" for r in refs if r[0] in secrets.OPAQUE_ROOTS]
    if leaf.secret_place:
        if refs and len(carrying) == len(refs):
            return ""
        others = opaque + [_show(r) for r in refs if r not in carrying and r[0] not in secrets.OPAQUE_ROOTS]
        source = ", ".join(others) if others else "an expression with no secret store in it"
        return (
            f"{leaf.where} takes its value from {source}, which is not a secret store: reference "
            "data.aws_secretsmanager_secret_version (or a SecureString parameter)"
        )
    if carrying:
        return (
            f"{leaf.where} copies the secret value of {', '.join(_show(r) for r in carrying)} into a setting "
            "the service stores in clear text; pass the secret's ARN and fetch it at run time"
        )
    if secrets.secret_key(leaf.key) and opaque:
        return (
            f"{leaf.where} names a secret and takes its value from {', '.join(opaque)}, which the stack does not show"
        )
    return ""


def _show(ref: tuple[str, str, str, str]) -> str:
    mode, rtype, name, attribute = ref
    prefix = "" if mode == "resource" else f"{mode}."
    return f"{prefix}{rtype}.{name}.{attribute}" if rtype else f"{mode}.{name}"


def _generated(resource) -> list[Violation]:
    what = GENERATED_CREDENTIALS.get(resource.type)
    if resource.mode != "resource":
        return []
    if what and not resource.get("pgp_key"):
        return [
            Violation(
                f"{what} Terraform generates is kept in state in clear text; set pgp_key, or use roles and "
                "IAM Identity Center instead of IAM user credentials",
                (resource.type,),
            )
        ]
    if resource.type == "aws_iam_service_specific_credential":
        return [Violation("the service password is kept in state in clear text; use IAM roles", (resource.type,))]
    return []


def _exported(resource, view) -> list[Violation]:
    """Outputs that print one of this resource's secret values."""
    sensitive = {
        p.split(".")[0]
        for p in (*sensitive_inputs(resource.type, resource.mode), *sensitive_computed(resource.type, resource.mode))
    } | set(secrets.GENERATED.get((resource.mode, resource.type), ()))
    if not sensitive:
        return []
    prefix = ("data." if resource.mode == "data" else "") + f"{resource.type}.{resource.name}."
    found = []
    for name, output in sorted((view.document.get("output") or {}).items()):
        text = json.dumps(output.get("value") if isinstance(output, dict) else output)
        for attribute in sorted(sensitive):
            exported = re.search(rf"(?<![\w.]){re.escape(prefix + attribute)}\b", text)
            declared = re.search(rf"nonsensitive\(\s*{re.escape(prefix + attribute)}\b", text)
            if exported and not (declared and resource.type not in ALWAYS_SECRET):
                found.append(
                    Violation(
                        f"output {name} exports {prefix}{attribute}; `terraform output -json` prints it even when "
                        "marked sensitive: export the secret's ARN instead",
                        (name, attribute),
                    )
                )
    return found


RULE = Rule(
    id="SEC-PLAIN-001",
    title="No secret value in infrastructure code, plain settings or outputs",
    category="secrets",
    severity="critical",
    resource_types=("*",),
    check=check,
    fix="keep the value in Secrets Manager (RDS: manage_master_user_password = true); pass the secret's ARN and "
    "fetch it at run time, or reference data.aws_secretsmanager_secret_version where an attribute needs the value",
    covers=("CKV_AWS_45", "CKV_AWS_41", "CKV_AWS_46"),
    modes=("resource", "data"),
)

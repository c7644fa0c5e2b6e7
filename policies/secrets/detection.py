"""What a configured value means for secrets: a secret written in code, a pointer to one, or a plain setting.

Judged by meaning, not spelling:
- keys by their words (`MES_CREDENTIAL`, `dbPassword`, `x-api-key`, `--db_pass`), with the words that make a key
  a pointer or a setting about a secret (`SECRET_ARN`, `PASSWORD_MIN_LENGTH`, `manage_master_user_password`);
- values by detect-secrets (bc-detect-secrets 1.5.52, the fork Checkov 3.3.30 pins): its format plugins (AWS keys,
  private keys, JWTs, Slack/GitHub/Stripe tokens, credentials in URLs, ...), its keyword detector on free text, and
  its Shannon-entropy limits (base64 > 4.5, hex > 3.0 bits per character);
- references by where they lead: an attribute the provider marks sensitive (data.aws_secretsmanager_secret_version
  .secret_string, data.aws_ssm_parameter.value, aws_iam_access_key.secret; policies/secrets/sensitive.py) or a
  generated password (random_password.result, ephemeral resources) carries a secret value; anything else does not.
A pointer by form is an ARN of a Secrets Manager secret or an SSM parameter, or a `{{resolve:...}}` dynamic
reference; a value containing "/" is not a pointer for that alone (base64 keys contain "/").
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache, lru_cache
from typing import Any

from policies.secrets.sensitive import sensitive_computed, sensitive_inputs

# Words that name a secret. Matched as whole words of the key; the long stems also inside run-together words
# (`dbpassword`, `apikey`), in the languages a manufacturer's engineers write configuration in.
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "passcode",
        "secret",
        "secrets",
        "token",
        "tokens",
        "credential",
        "credentials",
        "cred",
        "creds",
        "apikey",
        "privatekey",
        "bearer",
        "cookie",
        "psk",
        "otp",
        "passwort",
        "kennwort",
        "contrasena",
        "contraseña",
        "senha",
        "wachtwoord",
        "haslo",
        "motdepasse",
        "salasana",
    }
)
SECRET_STEMS = ("password", "passwd", "passphrase", "secret", "credential", "apikey", "privatekey", "accesskey")
# `key` names a secret when another word says what kind (api key, private key, access key, signing key, ...).
KEY_QUALIFIERS = frozenset(
    {
        "api",
        "private",
        "priv",
        "secret",
        "access",
        "signing",
        "client",
        "master",
        "account",
        "shared",
        "auth",
        "hmac",
        "ssh",
        "session",
        "service",
        "license",
        "licence",
        "encryption",
        "db",
        "database",
        "subscription",
        "app",
        "consumer",
        "webhook",
        "sas",
        "storage",
    }
)
# A last word that makes the key name something about a secret rather than the secret itself.
POINTER_WORDS = frozenset(
    {
        "arn",
        "arns",
        "id",
        "ids",
        "name",
        "names",
        "path",
        "ref",
        "reference",
        "parameter",
        "param",
        "location",
        "source",
        "file",
        "endpoint",
        "url",
        "uri",
        "header",
        "prefix",
        "suffix",
        "length",
        "len",
        "min",
        "max",
        "count",
        "policy",
        "rotation",
        "enabled",
        "enable",
        "required",
        "reset",
        "type",
        "version",
        "ttl",
        "days",
        "age",
        "expiry",
        "expiration",
        "attempts",
        "mode",
        "kms",
        "region",
        "format",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-zñ]+|\d+")
_SECRET_ARN = re.compile(r"^arn:[^:]+:(secretsmanager:[^:]*:[^:]*:secret:|ssm:[^:]*:[^:]*:parameter/)", re.I)
_DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:(secretsmanager|ssm-secure|ssm):[^}]+\}\}$")
_PLAIN = re.compile(r"^(|true|false|yes|no|on|off|null|none|[-+]?\d+(\.\d+)?)$", re.I)
# A `${type.name.attribute...}` reference inside an expression (resource, data source or ephemeral resource).
_REF = re.compile(r"(?<![\w.])(?:(data|ephemeral)\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)")
# Generated passwords the provider does not mark sensitive, or that come from another provider.
GENERATED = {
    ("resource", "random_password"): {"result", "bcrypt_hash"},
    ("data", "aws_secretsmanager_random_password"): {"random_password"},
}
OPAQUE_ROOTS = ("var", "local", "module", "each", "count", "path", "terraform", "self")


def words(key: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(key.replace("ñ", "n"))]


def secret_key(key: str) -> bool:
    """Does the key name a secret value (not a pointer to one, nor a setting about one)?"""
    found = words(key)
    if not found or found[-1] in POINTER_WORDS or found[-2:] in (["key", "id"], ["public", "key"]):
        return False
    if "public" in found and "key" in found:
        return False
    if any(w in SECRET_WORDS for w in found):
        return True
    if "key" in found and any(w in KEY_QUALIFIERS for w in found[: found.index("key")]):
        return True
    joined = "".join(found)
    return any(stem in joined for stem in SECRET_STEMS)


def plain(value: Any) -> bool:
    """Booleans, numbers and empty strings carry no secret."""
    return not isinstance(value, str) or bool(_PLAIN.match(value.strip()))


def pointer(value: str) -> bool:
    """An ARN of a Secrets Manager secret / SSM parameter, or a dynamic reference to one."""
    text = value.strip()
    return bool(_SECRET_ARN.match(text) or _DYNAMIC_REFERENCE.match(text))


@cache
def _format_plugins() -> tuple[Any, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    skipped = {"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"}
    return tuple(cls() for cls in get_mapping_from_secret_type_to_class().values() if cls.__name__ not in skipped)


@cache
def _entropy_plugins() -> tuple[Any, ...]:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString

    return (Base64HighEntropyString(), HexHighEntropyString())


@cache
def _keyword_plugin() -> Any:
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


@lru_cache(maxsize=16384)  # a stack repeats its values (names, tags, ARNs) across resources
def looks_secret(value: str, entropy: bool = True) -> str:
    """What detect-secrets finds in the value ("" for nothing): a known secret format, a keyword assignment in
    free text, or (with `entropy`) a random-looking string."""
    lines = [line for line in value.splitlines() if line.strip()] or [value]
    for line in [value, *lines] if len(lines) > 1 else lines:
        for plugin in _format_plugins():
            if plugin.analyze_line(filename="cdk.tf.json", line=line):
                return plugin.secret_type
        if len(lines) > 1 and line is not value and _keyword_plugin().analyze_line(filename="cdk.tf.json", line=line):
            return f"a secret assigned in text ({line.strip()[:40]!r})"
    if entropy:
        for plugin in _entropy_plugins():
            token = value.strip()
            if " " not in token and plugin.regex.fullmatch(f'"{token}"') is not None:
                bits = plugin.calculate_shannon_entropy(token)
                if bits > plugin.entropy_limit and not _digits_only(token):
                    return f"{plugin.secret_type} ({bits:.1f} bits per character)"
    return ""


def _digits_only(text: str) -> bool:
    return text.isdigit()


def decoded_base64(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def references(expression: str) -> list[tuple[str, str, str, str]]:
    """(mode, type, name, attribute) of every reference in a `${...}` expression; mode is resource, data or
    ephemeral, or one of OPAQUE_ROOTS for `var.x`, `local.y`, ..."""
    found = []
    for inner in re.findall(r"(?<!\$)\$\{(.*?)\}(?!\})", expression, re.S) or [expression]:
        for root in OPAQUE_ROOTS:
            for match in re.finditer(rf"(?<![\w.]){root}\.([A-Za-z0-9_-]+)", inner):
                found.append((root, "", match.group(1), ""))
        for match in _REF.finditer(inner):
            mode, rtype, name, attribute = match.groups()
            if rtype in OPAQUE_ROOTS or (mode is None and rtype in ("data", "ephemeral")):
                continue
            found.append((mode or "resource", rtype, name, attribute))
    return found


def carries_secret(mode: str, rtype: str, attribute: str) -> bool:
    """Does `<mode> rtype.name.attribute` evaluate to a secret value (a sensitive attribute, a generated password,
    an ephemeral resource's value)?"""
    if mode == "ephemeral":
        return True
    if mode not in ("resource", "data"):
        return False
    if attribute in GENERATED.get((mode, rtype), ()):
        return True
    top = {p.split(".")[0] for p in (*sensitive_inputs(rtype, mode), *sensitive_computed(rtype, mode))}
    return attribute in top

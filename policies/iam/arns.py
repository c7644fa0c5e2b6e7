"""ARN patterns: what a Resource element's wildcard spans.

A pattern is *wide* when its wildcard spans more than one parent resource: a partition, service, region or account,
or the top-level resource of the ARN format (bucket, stream, table's database, secret, function, log group, role).
`arn:aws:s3:::*/*` is wide; `arn:aws:s3:::one-bucket/curated/*` (objects inside one named bucket) and
`log-group:NAME:*` (the streams of one log group) are not. The catalog's ARN formats say where a format's
top-level resource ends (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`: at the `/`).
Terraform references stand for one concrete value; IAM policy variables (`${aws:username}`,
`${iot:Connection.Thing.ThingName}`) for one value per caller: neither is a wildcard.
"""

from __future__ import annotations

import re

from policies.iam.catalog import catalog, glob_regex

_TOKEN = re.compile(r"\$\{[^}]*\}")
_LITERAL = "\x00"  # what a reference or policy variable becomes while the pattern is analysed
_WILD = "*?"
# Secrets Manager appends six random characters to a secret's name; AWS documents `NAME-??????` to match them
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html).
_SECRET_SUFFIX = re.compile(r"-\?{6}$")


def masked(pattern: str) -> str:
    return _TOKEN.sub(_LITERAL, pattern)


def has_wildcard(pattern: str) -> bool:
    return any(c in masked(pattern) for c in _WILD)


def scope(pattern: str, arn_format: str) -> str:
    """How `pattern` covers resources of `arn_format`: "none", "narrow" (within one parent) or "wide"."""
    text = masked(pattern)
    if text == "*" or arn_format == "*":
        return "wide" if any(c in text for c in _WILD) else "narrow"
    if text.startswith(_LITERAL):
        # `${aws_s3_bucket.b.arn}/*`: the reference fixes the parent; what follows a separator stays inside it
        rest = text[1:]
        return "wide" if rest and rest[0] not in "/:" and any(c in rest for c in _WILD) else "narrow"
    parts = text.split(":", 5)
    fparts = arn_format.split(":", 5)
    if len(parts) < 6 or len(fparts) < 6:
        head = parts[:6]
        wild_head = any(any(c in p for c in _WILD) for p in head)
        if wild_head and glob_regex(text).fullmatch(_sample(arn_format)):
            return "wide"
        return "none"
    if not glob_regex(parts[2]).fullmatch(fparts[2]) and _LITERAL not in parts[2]:
        return "none"
    if any(any(c in p for c in _WILD) for p in parts[1:5]):
        return "wide"  # spans partitions, services, regions or accounts
    resource, fresource = parts[5], fparts[5]
    if parts[2] == "secretsmanager":
        resource = _SECRET_SUFFIX.sub("-SUFFIX", resource)
    prefix, _, after = fresource.partition("${")
    first = _first_wildcard(resource)
    if first is None:
        return "narrow" if resource.startswith(prefix) or _LITERAL in resource else "none"
    if first < len(prefix):
        return "wide" if resource[:first] == prefix[:first] else "none"
    if not resource.startswith(prefix):
        return "none"
    terminator = _terminator(after)
    identifier = resource[len(prefix) :]
    if terminator and terminator in identifier[: first - len(prefix)]:
        return "narrow"
    return "wide"


def is_wide(pattern: str, arn_formats: tuple[str, ...]) -> bool:
    """Judged on the formats the pattern most specifically is an instance of: those with the longest literal
    resource prefix it carries (`stream/` before `${ConsumerType}/`); among them, a format whose separator the
    pattern writes before its wildcard (the `/` after a bucket name) fixes the parent."""
    judged = [(len(_prefix(f)), scope(pattern, f)) for f in arn_formats]
    judged = [(length, verdict) for length, verdict in judged if verdict != "none"]
    if not judged:
        return False
    longest = max(length for length, _ in judged)
    return all(verdict == "wide" for length, verdict in judged if length == longest)


def _prefix(arn_format: str) -> str:
    parts = arn_format.split(":", 5)
    return parts[5].partition("${")[0] if len(parts) == 6 else ""


def formats_for_service(service: str) -> tuple[str, ...]:
    return catalog().arn_formats.get(service, ())


def _first_wildcard(text: str) -> int | None:
    positions = [text.find(c) for c in _WILD if c in text]
    return min(positions) if positions else None


def _terminator(after_first_variable: str) -> str:
    """The literal character that ends the format's first variable (`/` in `${BucketName}/${ObjectName}`)."""
    _, _, rest = after_first_variable.partition("}")
    return rest[0] if rest and not rest.startswith("${") else ""


def _sample(arn_format: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "x", arn_format)

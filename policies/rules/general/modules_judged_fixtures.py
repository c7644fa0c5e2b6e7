"""The forms that must fail MOD-SRC-001 and those that must pass it, HashiCorp's documented local module among them
(Modules a stack calls are judged)."""

from pathlib import Path

from policies.fixtures import KEY, KEY_REF, Form, doc

LOCAL_MODULE = str(Path(__file__).resolve().parent / "modules_judged_module")
S = "module.m"
PRODUCTION = "production"  # where a module not judged fails; the ephemeral profile reports it as a warning


def module(**block):
    document = doc(KEY)
    document["module"] = {"m": block}
    return document


FAIL = [
    Form(
        "a registry module",
        S,
        module(source="terraform-aws-modules/s3-bucket/aws", version="4.1.0"),
        profile=PRODUCTION,
    ),
    Form("a Git module", S, module(source="git::https://example.com/network.git?ref=v1.2.0"), profile=PRODUCTION),
    Form("a GitHub module", S, module(source="github.com/example/terraform-module"), profile=PRODUCTION),
    Form(
        "an S3 archive",
        S,
        module(source="s3::https://s3-eu-west-1.amazonaws.com/bucket/module.zip"),
        profile=PRODUCTION,
    ),
    Form(
        "a local folder this synth does not hold",
        S,
        module(source="./modules/missing", bucket_name="b"),
        profile=PRODUCTION,
    ),
    Form("an HTTP archive", S, module(source="https://example.com/module.zip"), profile=PRODUCTION),
]
PASS = [
    Form(
        "a local module, its variables passed",
        S,
        module(source=LOCAL_MODULE, bucket_name="fixture-b", kms_key_arn=KEY_REF),
        "https://developer.hashicorp.com/terraform/language/modules/sources#local-paths",
    ),
    Form("a local module on its variables' defaults", S, module(source=LOCAL_MODULE, bucket_name="fixture-c")),
    Form(
        "a local module called for each of a set",
        S,
        module(source=LOCAL_MODULE, for_each='${toset(["a", "b"])}', bucket_name="fixture-${each.value}"),
    ),
]

"""Unmodified Checkov over documents: `python -m tests.policies.checkov_reference IN.json OUT.json`.

IN maps a name to a stack document; OUT maps it to the sorted (check id, entity name, passed) results of Checkov's
own TerraformJsonRunner on that document alone, written as <n>/cdk.tf.json in a fresh folder (each document its
own relative path, as in one `checkov -d` over many stacks: Checkov's IAM checks cache parsed policies by it). A
separate process, so nothing policies.builtins does to Checkov in the test process can reach the reference.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def main(source: str, target: str) -> None:
    os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
    os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    out = {}
    for index, (name, document) in enumerate(json.loads(Path(source).read_text()).items()):
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, str(index)).mkdir()
            Path(folder, str(index), "cdk.tf.json").write_text(json.dumps(document, indent=2))
            report = TerraformJsonRunner().run(
                root_folder=folder, runner_filter=RunnerFilter(framework=["terraform_json"])
            )
        records = report.passed_checks + report.failed_checks
        out[name] = sorted(
            {(r.check_id, r.resource.split(".")[-1], r.check_result["result"].name == "PASSED") for r in records}
        )
    Path(target).write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

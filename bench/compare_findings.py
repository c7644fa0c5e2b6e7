"""Two findings.json files compared finding by finding: what changed status, under the renaming of version 1's
statuses (advisory -> warning, exempt and replaced -> waived).

python bench/compare_findings.py BEFORE/findings.json AFTER/findings.json

A finding is (stack, rule or check id, Terraform address); for each pair of statuses (before -> after) it prints how
many findings moved, and lists those that changed beyond the renaming. Exit 1 when any did.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from compliance.findings import V1_STATUS  # noqa: E402  (after the project is on the path)


def statuses(path: Path) -> dict[tuple[str, str, str], str]:
    document = json.loads(path.read_text())
    version = document.get("schema_version", 1)
    found = {}
    for finding in document["findings"]:
        key = (finding["stack"], finding["rule_id"], finding["resource"])
        found[key] = finding["status"] if version != 1 else V1_STATUS.get(finding["status"], finding["status"])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    raw_before = json.loads(args.before.read_text())
    before, after = statuses(args.before), statuses(args.after)
    original = {
        (f["stack"], f["rule_id"], f["resource"]): f["status"] for f in raw_before["findings"]
    }  # as version 1 named them
    mapping = collections.Counter((original.get(k, "absent"), after.get(k, "absent")) for k in set(before) | set(after))
    print(f"{len(set(before) | set(after))} findings; status before (as written) -> after:")
    for (old, new), count in sorted(mapping.items()):
        print(f"  {old:>10} -> {new:<10} {count}")
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    for key in changed:
        print(f"  CHANGED {key}: {before.get(key, 'absent')} -> {after.get(key, 'absent')}")
    print(f"{len(changed)} changed beyond the renaming")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

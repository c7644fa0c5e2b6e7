"""Every deployability test says which AWS documentation page it encodes."""

from __future__ import annotations

import ast
from pathlib import Path


def test_every_test_cites_an_aws_documentation_page():
    missing = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and path.name != Path(__file__).name:
                doc = ast.get_docstring(node) or ""
                if not doc.startswith("AWS: https://docs.aws.amazon.com/"):
                    missing.append(f"{path.name}::{node.name}")
    assert not missing, missing

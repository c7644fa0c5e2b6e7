"""Checkov custom checks: `checkov -d <stack dir> --framework terraform_json --external-checks-dir policies/checkov`."""

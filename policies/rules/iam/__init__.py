"""AWS IAM (identity, resource, trust and managed policies) rules: one module per rule, its fixtures in <rule>_fixtures.py beside it."""

"""AWS IAM rules (identity, resource, trust and managed policies).

One module per rule, its fixtures in <rule>_fixtures.py beside it.
"""

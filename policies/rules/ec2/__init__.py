"""Amazon EC2 and VPC networking rules: one module per rule, its fixtures in <rule>_fixtures.py beside it."""

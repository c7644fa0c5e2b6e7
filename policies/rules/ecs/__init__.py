"""Amazon ECS rules: one module per rule, its fixtures in <rule>_fixtures.py beside it."""

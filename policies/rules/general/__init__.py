"""Rules across services (tags, secrets in code, destroyability, production data) rules: one module per rule, its fixtures in <rule>_fixtures.py beside it."""

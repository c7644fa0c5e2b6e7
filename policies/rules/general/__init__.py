"""Rules across services (tags, secrets in code, destroyability, production data).

One module per rule, its fixtures in <rule>_fixtures.py beside it.
"""

"""Secrets in a stack's configuration: what a value means (detection.py: a secret written in code, a pointer to one,
or a plain setting) and where the AWS provider carries secrets (sensitive.py, from the provider's own schema)."""

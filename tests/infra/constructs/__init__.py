"""Tests of infra/constructs/."""

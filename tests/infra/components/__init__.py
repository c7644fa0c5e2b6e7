"""Tests of infra/components/ that need more than the stack tests: the job's S3 access and catalog tables."""

"""Tests of infra/lambdas/: each handler against fakes of the AWS APIs it calls."""

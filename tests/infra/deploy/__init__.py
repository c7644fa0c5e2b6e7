"""Tests of infra/deploy/: AWS and the local emulator, without deploying."""

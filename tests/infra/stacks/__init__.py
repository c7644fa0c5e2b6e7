"""Tests of infra/stacks/: the synthesized environment and account baseline."""

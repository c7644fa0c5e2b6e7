"""Tests of infra/: the config table, naming, capacity, the synth entry point and the state backend; below, one
folder per folder of infra/."""

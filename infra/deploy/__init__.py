"""Deploy after the gate: to AWS with cdktf-cli, or to a local AWS emulator with terraform, then outputs and destroy."""

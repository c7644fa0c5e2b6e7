"""The platform's two stacks: an environment (one per PR suffix) and the account baseline (one per account and
region), each composed of the components in infra/components/."""

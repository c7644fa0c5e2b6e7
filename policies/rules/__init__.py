"""The rulebook: one module per rule, each exporting RULE. The file list is the rulebook."""

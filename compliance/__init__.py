"""The compliance gate and its findings format."""

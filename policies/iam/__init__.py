"""Policy readers and IAM semantics: documents (every form), sources (where policies live), the action catalog,
ARN patterns and condition keys, and the judgement rules share (`grants`)."""

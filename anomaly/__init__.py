"""The streaming anomaly job: pure detector, PySpark layer, idempotent sinks, Aurora sink and the Glue entry."""

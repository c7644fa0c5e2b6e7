"""The catalog tables describe exactly what the job writes: where (each table's location and partition layout, so
Athena finds every partition the job creates), and which columns (read from anomaly/sinks.py, never edited here).

Athena reads a partitioned table's partitions from the catalog, unless the table projects them
(https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html): nothing registers partitions here (the
job writes files only), so every partitioned table must project them, with a `storage.location.template` that
is the path the job writes (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html)
and a range that holds every value it writes; a value outside the range returns no rows, without an error.
"""

from __future__ import annotations

import ast
from datetime import date

from tests.conftest import PROJECT
from tests.infra.components.test_job_s3_access import SINKS, table_arguments, table_writes


def _catalog_tables(synth) -> dict[str, dict]:
    return {t["name"]: t for t in synth.resources("aws_glue_catalog_table").values()}


def _written_tables(synth) -> dict[str, tuple[str, list[str]]]:
    """Catalog table name -> (the job's path argument, partition columns), matched by location."""
    args = next(iter(synth.resources("aws_glue_job").values()))["default_arguments"]
    arguments, writes = table_arguments(), table_writes()
    by_location = {args[f"--{arguments[field]}"]: partitions for field, (partitions, fmt) in writes.items()}
    found = {}
    for name, table in _catalog_tables(synth).items():
        location = table["storage_descriptor"]["location"]
        assert location in by_location, f"{name} is at {location}, where the job writes no table"
        found[name] = (location, by_location[location])
    return found


def date_formats() -> dict[str, str]:
    """Partition column -> the date pattern the job formats it with (`withColumn(c, F.date_format(_, fmt))`, or
    `F.date_format(_, fmt).alias(c)`), read from anomaly/sinks.py."""
    found = {}
    for node in ast.walk(ast.parse(SINKS.read_text())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        if node.func.attr == "withColumn" and isinstance(node.args[1], ast.Call):
            name, value = ast.literal_eval(node.args[0]), node.args[1]
        elif node.func.attr == "alias" and isinstance(node.func.value, ast.Call):
            name, value = ast.literal_eval(node.args[0]), node.func.value
        else:
            continue
        if getattr(value.func, "attr", "") == "date_format":
            found[name] = ast.literal_eval(value.args[1])
    return found


def test_every_partitioned_table_projects_exactly_the_paths_the_job_writes(ephemeral):
    formats = date_formats()
    for name, (location, partitions) in _written_tables(ephemeral).items():
        table = _catalog_tables(ephemeral)[name]
        assert [k["name"] for k in table["partition_keys"]] == partitions, name
        params = table["parameters"]
        assert params["projection.enabled"] == "true", name
        # Terraform reads ${...} as interpolation: $${key} reaches Glue as the literal ${key} Athena substitutes.
        template = location + "".join(f"{key}=$${{{key}}}/" for key in partitions)
        assert params["storage.location.template"] == template, name
        for key in partitions:
            kind = params[f"projection.{key}.type"]
            if key in formats:
                assert kind == "date" and params[f"projection.{key}.format"] == formats[key], (name, key)
                start, end = params[f"projection.{key}.range"].split(",")
                assert date.fromisoformat(start) <= date(2024, 1, 1) and end.startswith("NOW+"), (name, key)
            else:
                assert key == "production_line" and kind == "enum", (name, key)


def test_the_production_line_enum_is_every_line_the_stack_routes(ephemeral):
    from infra.components.ingestion import line_id

    rules = [
        r["sql"]
        for r in ephemeral.resources("aws_iot_topic_rule").values()
        if "topic(2) AS production_line" in r["sql"]
    ]
    routed = sorted({sql.split("FROM 'factory/", 1)[1].split("/", 1)[0] for sql in rules})
    assert routed == [line_id(1)]
    table = _catalog_tables(ephemeral)["sensor_events"]
    assert table["parameters"]["projection.production_line.values"].split(",") == routed


PIPELINE = PROJECT / "anomaly" / "pipeline.py"


def _schema_fields(name: str) -> list[str]:
    """The field names of a StructType constant of anomaly/pipeline.py (read from the source: no Spark here)."""
    for node in ast.walk(ast.parse(PIPELINE.read_text())):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            fields = node.value.args[0].elts
            return [ast.literal_eval(f.args[0]) for f in fields]
    raise AssertionError(f"anomaly/pipeline.py defines no {name}")


def _alias(node: ast.AST) -> str | None:
    """The output name of one select argument: a column name, `_.alias(name)`, or None when it cannot be read."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "alias":
        arg = node.args[0]
        return arg.value if isinstance(arg, ast.Constant) else None
    return None


def _columns_of(expr: ast.AST, frames: dict[str, list[str]]) -> list[str]:
    """The columns a DataFrame expression of process_batch yields, by walking its method chain: where/persist keep
    them, withColumn adds (or replaces), drop removes, select lists (constants, aliases, and a comprehension over
    a pipeline schema's fields, each aliased to the field's name)."""
    if isinstance(expr, ast.Name):
        assert expr.id in frames, f"anomaly/sinks.py: unknown frame {expr.id}"
        return list(frames[expr.id])
    assert isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute), ast.unparse(expr)
    method, columns = expr.func.attr, _columns_of(expr.func.value, frames)
    if method in ("where", "filter", "persist", "cache"):
        return columns
    if method == "withColumn":
        name = ast.literal_eval(expr.args[0])
        return columns if name in columns else [*columns, name]
    if method == "drop":
        dropped = {ast.literal_eval(a) for a in expr.args}
        return [c for c in columns if c not in dropped]
    if method == "select":
        selected = []
        for arg in expr.args:
            if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.ListComp):
                source = arg.value.generators[0].iter
                assert isinstance(source, ast.Attribute) and source.attr == "fields", ast.unparse(arg)
                selected += _schema_fields(source.value.id)
                continue
            name = _alias(arg)
            assert name is not None, f"anomaly/sinks.py: cannot read the name of {ast.unparse(arg)}"
            selected.append(name)
        return selected
    raise AssertionError(f"anomaly/sinks.py: {method} is not modelled here; extend _columns_of")


def _root(expr: ast.AST) -> str | None:
    """The name a method chain starts from (`frame` of `frame.where(...).select(...)`), else None."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        expr = expr.func.value
    return expr.id if isinstance(expr, ast.Name) else None


def written_columns() -> dict[str, list[str]]:
    """Tables field -> every column of the frame process_batch writes there (partition columns included), derived
    from the source: the detector's OUTPUT_SCHEMA, then each assignment's method chain."""
    tree = ast.parse(SINKS.read_text())
    process = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "process_batch")
    frames = {"frame": _schema_fields("OUTPUT_SCHEMA")}
    found = {}
    for node in ast.walk(process):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and _root(node.value) in frames:
            frames[node.targets[0].id] = _columns_of(node.value, frames)
    for node in ast.walk(process):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "write_batch":
            found[node.args[1].attr] = frames[node.args[0].id]
    return found


def test_the_column_derivation_reads_the_job_as_written():
    """The derivation above, checked on what anomaly/sinks.py visibly writes (so a reading bug cannot make the
    next test vacuous): curated drops the detector's tagging columns, anomalies carry the message."""
    written = written_columns()
    assert set(written) == set(table_writes())
    assert "message" in written["anomalies"] and "message" not in written["curated"]
    assert "event_date" in written["curated"] and "kind" not in written["curated"]
    assert {"batch_id", "detected_ts", "start_date", "episode_id"} <= set(written["episodes"])


def test_every_catalog_table_has_exactly_the_columns_and_partitions_the_job_writes(ephemeral):
    from anomaly.event_schema import glue_columns

    written, writes = written_columns(), table_writes()
    arguments = table_arguments()
    args = next(iter(ephemeral.resources("aws_glue_job").values()))["default_arguments"]
    field_at = {args[f"--{arguments[field]}"]: field for field in writes}
    for name, table in _catalog_tables(ephemeral).items():
        field = field_at[table["storage_descriptor"]["location"]]
        partitions = writes[field][0]
        keys = [k["name"] for k in table["partition_keys"]]
        columns = [c["name"] for c in table["storage_descriptor"]["columns"]]
        # Spark's partitionBy takes the partition columns out of the files and into the path.
        assert keys == partitions, name
        assert columns == [c for c in written[field] if c not in partitions], name
    # The event table's types come from the event schema the job validates against (same names, same order).
    events = _catalog_tables(ephemeral)["sensor_events"]["storage_descriptor"]["columns"]
    assert [(c["name"], c["type"]) for c in events] == [
        (c, t) for c, t, _ in glue_columns() if c not in writes["curated"][0]
    ]

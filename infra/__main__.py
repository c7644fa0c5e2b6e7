"""`python -m infra [--environment-suffix X] [--profile P] ...`: synthesize the platform stack into cdktf.out/."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from infra.config import OUTDIR_VARIABLE, ConfigError, load_config, parse_cli, read_context

PROJECT_DIR = Path(__file__).resolve().parent.parent
USAGE = (
    "usage: python -m infra [--environment-suffix S] [--profile ephemeral|production] [--region R] "
    "[--events-per-second N] [--production-lines N] [--outdir DIR] [--no-guardrails] "
    "[--stack environment|account-baseline]"
)


def _build_errors() -> tuple[type[Exception], ...]:
    from anomaly.package import PackagingError
    from infra.capacity import CapacityError
    from infra.constructs.certificates import CertificateBundleError

    return CapacityError, CertificateBundleError, PackagingError


BUILD_ERRORS = _build_errors()


def build_error_line(error: Exception, config) -> str:
    """One line: what failed, where (the inputs or the file that decide it), and the fix the message carries."""
    name = type(error).__name__
    if name == "CapacityError":
        s = config.sizing
        workers = config.glue_workers if config.glue_workers is not None else "auto"
        where = (
            f"capacity model (infra/capacity.py) for events_per_second={s.events_per_second}, "
            f"avg_event_bytes={s.avg_event_bytes}, headroom={s.headroom}, glue_workers={workers}"
        )
    elif name == "CertificateBundleError":
        where = "RDS CA bundle (infra/constructs/certificates.py)"
    else:
        where = "Glue job package (anomaly/package.py)"
    return f"error: {where}: " + " ".join(str(error).split())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    outdir = os.environ.get(OUTDIR_VARIABLE, "cdktf.out")
    if "--outdir" in args:
        index = args.index("--outdir")
        if index + 1 >= len(args):
            print("error: --outdir needs a directory", file=sys.stderr)
            return 2
        outdir = args.pop(index + 1)
        args.pop(index)
    stack_kind = "environment"
    if "--stack" in args:
        index = args.index("--stack")
        if index + 1 >= len(args) or args[index + 1] not in ("environment", "account-baseline"):
            print("error: --stack needs environment or account-baseline", file=sys.stderr)
            return 2
        stack_kind = args.pop(index + 1)
        args.pop(index)
    guardrails = "--no-guardrails" not in args
    args = [a for a in args if a != "--no-guardrails"]
    try:
        config = load_config(os.environ, read_context(os.environ, PROJECT_DIR), parse_cli(args))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app, build_baseline_app
    from infra.synth import SynthFailed, synth

    started = time.perf_counter()
    try:
        Path(outdir).mkdir(parents=True, exist_ok=True)  # cdktf creates only the last folder level
    except OSError as error:
        print(f"error: --outdir {outdir}: cannot create ({error.strerror})", file=sys.stderr)
        return 2
    try:
        build = build_app if stack_kind == "environment" else build_baseline_app
        app, stack = build(config, outdir=outdir, guardrails=guardrails)
        synth(app)
    except SynthFailed as failure:
        print(failure.report(), file=sys.stderr)
        return 1
    except BUILD_ERRORS as error:
        print(build_error_line(error, config), file=sys.stderr)
        return 2
    print(
        f"synthesized {stack.node.id} ({stack.config.profile}) into {outdir}/stacks/{stack.node.id} "
        f"in {time.perf_counter() - started:.1f}s" + ("" if guardrails else " without Guardrails"),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Lambda handlers the environment deploys: the job keeper, the schema migration and the MES API key rotation.

Each is staged alone into its own folder (infra.constructs.vpc_function), so its asset hash follows its own file.
"""

from pathlib import Path

HANDLERS = Path(__file__).resolve().parent

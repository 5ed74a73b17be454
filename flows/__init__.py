"""Prefect flows (synth; evaluate and training flows join in their issues) and the ``tacit`` CLI.

Prefect is imported only in this package; stage logic lives in ``flows/stages`` as plain functions.
Importing this package sets Prefect's privacy and location defaults (ARCHITECTURE §5) unless the user
set them: telemetry off and a project-local ``PREFECT_HOME`` (``./.prefect``).
"""

import os
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))

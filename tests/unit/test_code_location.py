"""The Dagster UI names the code location after the product (issue 13 item 10): `./bootstrap.sh dev` loads it the
way pyproject.toml's [tool.dagster] says (code_location_name = "finops"), not as `pipelines.definitions`."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from pipelines.settings import PROJECT_ROOT


def _bootstrap_dev_location_args() -> list[str]:
    """The arguments bootstrap.sh gives `dagster dev` that choose what to load (host, port and "$@" aside)."""
    lines = (PROJECT_ROOT / "bootstrap.sh").read_text().splitlines()
    (line,) = [line for line in lines if "dagster dev" in line and not line.lstrip().startswith("#")]
    words = shlex.split(line.split("dagster dev", 1)[1].replace('"$@"', ""))
    args, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("-h", "--host", "-p", "--port"):
            skip = True
        else:
            args.append(word)
    return args


def test_the_dev_ui_names_the_code_location_finops(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", *_bootstrap_dev_location_args()],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert re.findall(r"Validation successful for code location (\S+)\.$", output, re.M) == ["finops"], output[-3000:]

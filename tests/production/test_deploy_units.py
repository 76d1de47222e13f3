"""deploy/systemd: one unit per process, restarted whatever ends it, running what the Makefile runs."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("orgconsole-web.service", ["gunicorn", "-c", "orgconsole/gunicorn.conf.py", "orgconsole.wsgi"]),
        ("orgconsole-worker.service", ["python", "manage.py", "run_worker", "--no-reload"]),
    ],
)
def test_each_process_has_a_supervised_unit(name, command):
    parsed = unit(name)
    service = parsed["Service"]
    executable, *args = shlex.split(service["ExecStart"])
    assert [Path(executable).name, *args] == command
    assert service["Restart"] == "always"
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up
    assert service["Environment"] == "DJANGO_SETTINGS_MODULE=orgconsole.settings.production"
    assert service["EnvironmentFile"] and service["User"] != "root"

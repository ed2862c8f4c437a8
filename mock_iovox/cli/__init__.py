"""The `mock-iovox` command line: the group (cli/main.py), one module per command family, the shared
options (cli/options.py). Commands are registered here, once, in the order `--help` lists them."""

from __future__ import annotations

from mock_iovox.cli.admin import admin
from mock_iovox.cli.call import call_command
from mock_iovox.cli.clock import clock_command
from mock_iovox.cli.main import main
from mock_iovox.cli.openapi import openapi_command
from mock_iovox.cli.seed import seed
from mock_iovox.settings import ENV_PREFIX

for _command in (seed, clock_command, admin, call_command, openapi_command):
    main.add_command(_command)

__all__ = ["ENV_PREFIX", "main"]

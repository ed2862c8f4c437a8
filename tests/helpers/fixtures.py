"""A small fixture file loaded into fresh databases (the fixture loader's sections and messages)."""

from __future__ import annotations

from pathlib import Path

from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.settings import Settings

BASE = """
environments:
  sandbox:
    accounts:
      - name: Small
        users: [{username: small, secure_key: k}]
        nodes:
          - node_id: n
            node_name: N
            node_type: T
            links:
              - {link_id: l1, link_name: One, link_type: Web}
              - {link_id: l2, link_name: Two, link_type: Web}
"""


def load(tmp: Path, text: str) -> Settings:
    fixture = tmp / "f.yaml"
    fixture.write_text(BASE + text)
    settings = Settings(data_dir=tmp / "data", fixture=fixture)
    dbs = open_databases(settings)
    try:
        prepare(settings, dbs)
    finally:
        for db in dbs.values():
            db.dispose()
    return settings

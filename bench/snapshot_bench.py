"""Named snapshot save/restore on the default fixture (SQLite files): a restore after a vendor-like
write to one table, and a full one (every table copied back).

    .venv/bin/python bench/snapshot_bench.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from mock_iovox.admin import snapshots
from mock_iovox.admin.setup import ensure
from mock_iovox.admin.store import DirtyTable
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.settings import DEFAULT_FIXTURE, Settings


def main() -> None:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), fixture=DEFAULT_FIXTURE)
    dbs = open_databases(settings)
    prepare(settings, dbs)
    for env, db in dbs.items():
        ensure(db)
        started = time.perf_counter()
        with db.writing() as session:
            snapshots.save(session, "bench", env)
        print(f"{env}: save {1000 * (time.perf_counter() - started):.1f} ms")
        for label, forget in (("after one write", False), ("full", True)):
            times = []
            for _ in range(10):
                with db.writing() as session:
                    session.execute(text("UPDATE nodes SET node_name = node_name || 'x'"))
                    if forget:  # as after a reset: nothing is known about what changed
                        session.query(DirtyTable).delete()
                started = time.perf_counter()
                snapshots.restore(db, "bench")
                times.append(time.perf_counter() - started)
            print(f"{env}: restore {label}: median {1000 * statistics.median(times):.1f} ms")
        db.dispose()


if __name__ == "__main__":
    main()

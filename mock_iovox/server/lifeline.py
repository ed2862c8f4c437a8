"""Worker processes end with their master (issue 14 item 10).

uvicorn's workers are separate processes: after a `kill -9` of the master they kept serving on the
shared socket, and a restart failed with "Address already in use". Each worker watches its parent
and shuts down (gracefully, then for good) once it has been re-parented.
"""

from __future__ import annotations

import os
import signal
import threading
import time

#: set by the master before it starts workers: a worker may load after its master died already
MASTER_PID_VARIABLE = "MOCK_IOVOX_MASTER_PID"
#: how often a worker looks at its parent, and how long a graceful shutdown may take
POLL_SECONDS = 0.5
GRACE_SECONDS = 5.0


def exit_with_parent() -> None:
    master = os.environ.get(MASTER_PID_VARIABLE, "")
    parent = int(master) if master.isdigit() else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own graceful shutdown
        time.sleep(GRACE_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()

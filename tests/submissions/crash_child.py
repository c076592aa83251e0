"""A bulk import in a process of its own, for test_crash.py: ``URL FILE USERNAME [kill]``.

With ``kill`` the process kills itself (SIGKILL: no clean-up, no rollback of its own) right
after the first executemany of indicator values, when those rows are written inside the open
transaction; it first writes how many rows the transaction then holds to FILE + ".seen".
"""

import os
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import models  # noqa: F401  (every mapper configured)
from app.auth.models import User
from app.core.db import make_engine
from app.submissions import bulk


def main(url: str, path: str, username: str, kill: bool) -> None:
    engine = make_engine(url)
    if kill:
        @event.listens_for(engine, "after_cursor_execute")
        def _die(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO INDICATOR_VALUES"):
                cursor.execute("SELECT count(*) FROM indicator_values")
                Path(path + ".seen").write_text(str(cursor.fetchone()[0]))
                os.kill(os.getpid(), signal.SIGKILL)

    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None and user.provider_id is not None
        result = bulk.import_file(session, user, Path(path).read_bytes(), Path(path).name,
                                  user.provider_id, dry_run=False, today=date.today())
        session.commit()
    print(f"stored {result.created}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:] == ["kill"])

"""ETL demo: generates the demo province's export files and loads them through the real ETL."""
from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

from core.store import adopt, standby_path
from etl.load import FileReport, Progress, load_files


def build_demo(db: Path, *, today: date | None = None, seed: int = 2025, scale: float = 1.0,
               progress: Progress | None = None) -> list[FileReport]:
    """Write the demo exports next to the database, load them into a fresh file, publish it."""
    from etl.demo.generate import generate

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    exports = db.parent / "demo_exports"
    shutil.rmtree(exports, ignore_errors=True)
    say("Đang tạo tệp xuất mẫu của Thành phố Đà Nẵng…")
    files = generate(exports, today or date.today(), seed=seed, scale=scale, progress=say, workers=2)
    say(f"Đã tạo {len(files)} tệp trong {time.perf_counter() - started:.0f} giây; đang nạp qua ETL…")
    building = db.with_name(db.name + ".demo-building")
    for stale in (building, Path(str(building) + ".wal"), standby_path(building)):
        stale.unlink(missing_ok=True)
    # The exports are dated up to `today`: it is the load day of the plausibility rules (no date
    # after it, settings.toml [plausibility]), whatever the machine's date says.
    pinned = os.environ.get("CCHC_TODAY")
    os.environ["CCHC_TODAY"] = (today or date.today()).isoformat()
    try:
        reports = load_files(files, building, loaded_by="demo", progress=say)
    finally:
        if pinned is None:
            os.environ.pop("CCHC_TODAY", None)
        else:
            os.environ["CCHC_TODAY"] = pinned
    adopt(building, db)  # with the standby the build left beside it
    say(f"Xong dữ liệu mẫu trong {time.perf_counter() - started:.0f} giây: {db}")
    return reports

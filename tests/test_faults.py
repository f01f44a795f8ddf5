"""Fault suite (`pytest -m fault`): loads killed with SIGKILL at every stage (starting from a copy
of the published file, or from the standby caught up) and after seeded random delays, leftovers of
dead loads, ten readers during publishes, a full or read-only disk. Each case runs real processes
with time limits; the published database must stay byte for byte as it was, or be exactly the next
complete state, and the next load must succeed."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

import core.store
import etl.load
from core.store import PAUSE_ENV, version
from etl.errors import EtlError
from etl.load import load_files
from queries.connection import open_database
from queries.filters import Filters, Scope
from queries.form06 import form06

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parent.parent
PERIOD = (date(2026, 10, 15), date(2026, 11, 14))
HEADER = "Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp\n"
STAGES = ("copied", "read", "write", "marts", "publish", "linked")  # core/store.py pause_point, before publishing
STEP_TIMEOUT = 60  # seconds any one process may take before the test gives up on it
RESULTS: dict[str, list[str]] = {}  # case kind → outcome per case, printed at the end of the run
STATES_AFTER_RANDOM_KILL: list[str] = []  # 'old' (killed before publishing) or 'new' (after)


def _export(path: Path, prefix: str, n: int, title_end: str) -> Path:
    units = ("Phường Hải Châu", "Phường Thanh Khê", "Sở Tư pháp")
    fields = ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp")
    lines = [f"(Từ ngày 01/10/2026 đến ngày {title_end})\n", HEADER]
    for i in range(n):
        day = 16 + i % 14
        done = f"{day + 1:02d}/10/2026 10:00,Đã trả kết quả" if i % 3 == 0 else ",Đang xử lý"
        lines.append(f"{prefix}{i:05d},{fields[i % 3]},{units[i % 3]},{day:02d}/10/2026 08:00,"
                     f"{day + 2:02d}/10/2026,{done},{'Trực tuyến' if i % 2 else 'Trực tiếp'}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures(db: Path) -> tuple:
    """What a reader sees: dossiers, loads, and the Biểu số 06 total row."""
    con = open_database(db)
    try:
        total = form06(con, Filters(Scope.province(), *PERIOD)).total
        counts = con.execute("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM load_log)").fetchall()[0]
    finally:
        con.close()
    return counts + tuple(v for k, v in total.items() if isinstance(v, int))


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".work" in p.name)


def cli_load(db: Path, *files: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "load", "--db", str(db), *map(str, files)], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"process {proc.args} took more than {STEP_TIMEOUT} s")
    return proc.returncode, out + err


def wait_for_marker(proc: subprocess.Popen, stage: str) -> None:
    """Read the loader's stderr until it says it paused at `stage`."""
    deadline = time.monotonic() + STEP_TIMEOUT
    seen = []
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.5):
                continue
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(f"CCHC_PAUSED {stage} "):
                return
    proc.kill()
    pytest.fail(f"the load never paused at {stage!r}: {''.join(seen)[-2000:]}")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=STEP_TIMEOUT)  # reaped (a zombie is not a live process), pipes closed


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fault_exports")
    # third and fourth are small next to first: a load of either starts from the standby caught up
    # (a load that adds more than a quarter of the dossiers leaves a fresh copy as the standby instead).
    return {"first": _export(folder / "dau.csv", "A", 60, "31/10/2026"),
            "second": _export(folder / "sau.csv", "B", 3000, "05/11/2026"),
            "third": _export(folder / "them.csv", "C", 12, "10/11/2026"),
            "fourth": _export(folder / "nua.csv", "D", 12, "12/11/2026")}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, files) -> Path:
    """A published database holding the first export; every case starts from a copy."""
    db = tmp_path_factory.mktemp("fault_base") / "cchc.duckdb"
    [report] = load_files([files["first"]], db)
    assert report.status == "loaded"
    return db


def fresh_copy(baseline: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "cchc.duckdb"
    shutil.copyfile(baseline, db)
    return db


@pytest.fixture(scope="module")
def after_second(tmp_path_factory, baseline, files) -> tuple:
    """The figures once the second export is loaded: the only other state a reader may see."""
    db = fresh_copy(baseline, tmp_path_factory.mktemp("fault_after"))
    load_files([files["second"]], db)
    return figures(db)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    lines = [f"{kind}: {len(outcomes)} tried, {sum(o == 'survived' for o in outcomes)} survived"
             for kind, outcomes in RESULTS.items()]
    if STATES_AFTER_RANDOM_KILL:
        lines.append("random kills that kept the old file: "
                     f"{STATES_AFTER_RANDOM_KILL.count('old')} of {len(STATES_AFTER_RANDOM_KILL)}")
    print("\nFault suite: " + "; ".join(lines), file=sys.stderr)


# --- SIGKILL at each stage, then the next load cleans up and succeeds ----------------------------------


def test_kill_at_every_stage_leaves_the_published_file_and_the_next_load_cleans_up(tmp_path, baseline, files,
                                                                                 after_second):
    db = fresh_copy(baseline, tmp_path / "data")
    before = (sha(db), version(db), figures(db))
    for stage in STAGES:
        proc = cli_load(db, files["second"], env={PAUSE_ENV: stage})
        wait_for_marker(proc, stage)
        kill(proc)
        assert (sha(db), version(db), figures(db)) == before, stage
        # The dead load's copy stays until the next load, which removed the previous dead one's.
        assert {name.split(".")[3] for name in leftovers(db)} == {str(proc.pid)}, (stage, leftovers(db))
        RESULTS.setdefault("kill at a stage", []).append("survived")
    # The next load removes every dead load's copy, never a live process's.
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive_copy = db.with_name(f".{db.name}.{live.pid}.work")
        alive_copy.write_bytes(b"a live load's copy")
        code, output = finish(cli_load(db, files["second"]))
        assert code == 0, output
        assert "Đã xóa" in output and "tệp làm việc còn sót lại" in output
        assert leftovers(db) == [alive_copy.name]
        assert figures(db) == after_second
    finally:
        live.kill()
        live.wait(timeout=STEP_TIMEOUT)
    code, output = finish(cli_load(db, files["third"]))
    assert code == 0, output
    assert leftovers(db) == []
    RESULTS.setdefault("leftover cleanup", []).append("survived")


def _with_standby(baseline: Path, files: dict[str, Path], folder: Path) -> Path:
    """The baseline with the third export loaded after it: the file published before that load is the
    standby, one load behind (made by loads, since a copied pair would not match its note)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "cchc.duckdb"
    load_files([files["first"]], db)
    [report] = load_files([files["third"]], db)
    assert report.status == "loaded" and core.store.standby_path(db).exists()
    return db


@pytest.fixture(scope="module")
def after_fourth(tmp_path_factory, baseline, files) -> tuple:
    db = _with_standby(baseline, files, tmp_path_factory.mktemp("fault_after4"))
    load_files([files["fourth"]], db)
    return figures(db)


def test_kill_at_every_stage_of_a_load_from_the_standby(tmp_path, baseline, files, after_fourth):
    """The same kills when the load started from the standby: the standby, renamed to the killed
    load's work file, is gone with it, and the next load copies. Killed after linking the standby to
    the file still published, the next load must not take that file for its standby: the published
    file's bytes (read through a handle kept open on it) stay as they were."""
    for stage in STAGES:
        db = _with_standby(baseline, files, tmp_path / stage)
        before = (sha(db), version(db), figures(db))
        proc = cli_load(db, files["fourth"], env={PAUSE_ENV: stage})
        wait_for_marker(proc, stage)
        kill(proc)
        assert (sha(db), version(db), figures(db)) == before, stage
        assert {name.split(".")[3] for name in leftovers(db)} == {str(proc.pid)}, (stage, leftovers(db))
        standby = core.store.standby_path(db)  # consumed by the killed load, or linked to the published file
        assert (standby.exists() and os.path.samefile(standby, db)) == (stage == "linked"), stage
        with open(db, "rb") as kept:  # the file published now, whatever its name becomes
            [report] = load_files([files["fourth"]], db)
            assert report.status == "loaded", report.summary()
            assert hashlib.sha256(kept.read()).hexdigest() == before[0], stage
        assert figures(db) == after_fourth, stage
        assert leftovers(db) == []
        RESULTS.setdefault("kill at a stage, from the standby", []).append("survived")


def test_kill_while_making_a_fresh_standby_after_a_large_load(tmp_path, baseline, files, after_second):
    """A load that adds many dossiers publishes, then copies the new file as the next standby. Killed
    during that copy, the published file is the complete new state; the next load removes the
    partial copy, copies the published file itself, and loads."""
    db = fresh_copy(baseline, tmp_path / "data")
    proc = cli_load(db, files["second"], env={PAUSE_ENV: "standby"})
    wait_for_marker(proc, "standby")
    kill(proc)
    assert figures(db) == after_second
    assert not core.store.standby_path(db).exists()
    assert {name.split(".")[3] for name in leftovers(db)} == {str(proc.pid)}
    [report] = load_files([files["third"]], db)
    assert report.status == "loaded"
    assert leftovers(db) == [] and core.store.standby_path(db).exists()
    RESULTS.setdefault("kill while copying the standby", []).append("survived")


@pytest.mark.parametrize("case", range(6))
def test_kill_after_a_random_delay_leaves_a_complete_state(tmp_path, baseline, files, after_second, case):
    """Seeded delays from 0.3 to 2.5 s after start: the kill lands anywhere from start-up to
    publish (or after it). The published file is the old one byte for byte, or the complete new one."""
    delay = random.Random(1500 + case).uniform(0.3, 2.5)
    db = fresh_copy(baseline, tmp_path / "data")
    before = (sha(db), figures(db))
    proc = cli_load(db, files["second"])
    time.sleep(delay)
    kill(proc)
    kept_old = sha(db) == before[0]
    assert kept_old or figures(db) == after_second, delay
    [report] = load_files([files["second"]], db)  # again, or "already loaded" (in this process: no start-up)
    assert report.status in ("loaded", "already_loaded"), report.summary()
    assert leftovers(db) == []
    assert figures(db) == after_second
    RESULTS.setdefault("kill after a random delay", []).append("survived")
    STATES_AFTER_RANDOM_KILL.append("old" if kept_old else "new")


# --- readers while loads publish -----------------------------------------------------------------------

READER = r"""
import json, sys, time
from pathlib import Path
from core.store import connect_readonly
from queries.connection import open_database

db, stop, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
seen, errors, reads = set(), [], 0
while True:
    last = stop.exists()
    how = "open_database" if reads % 2 == 0 else "connect_readonly"  # as the app, as the CLI: in turn
    try:
        con = open_database(db) if how == "open_database" else connect_readonly(db)
        try:
            seen.add(con.execute("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM load_log), "
                                 "(SELECT count(*) FROM stg_dossier_current)").fetchall()[0])
        finally:
            con.close()
    except Exception as exc:
        errors.append(f"{how}: {type(exc).__name__}: {exc}")
    reads += 1
    ready.touch()
    if last:
        break
    time.sleep(0.25)  # a read costs ~40 ms of CPU: ten readers must leave the loader some of two cores
print(json.dumps({"seen": sorted(seen), "errors": errors[:5], "reads": reads}))
"""


def _wait_for_rounds(readers: list[tuple[subprocess.Popen, Path]]) -> None:
    """Until every reader has finished a round of reads (it touches its ready file)."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while not all(ready.exists() for _, ready in readers):
        for proc, _ in readers:
            if proc.poll() is not None:
                pytest.fail(f"a reader stopped: {proc.communicate()}")
        assert time.monotonic() < deadline, "readers did not finish a round in time"
        time.sleep(0.05)


def test_ten_readers_never_see_an_error_or_a_half_loaded_state(tmp_path, baseline, files):
    db = fresh_copy(baseline, tmp_path / "data")
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    stop = tmp_path / "stop"
    states = [figures(db)[:2]]
    readers = []
    for i in range(10):
        ready = tmp_path / f"ready{i}"
        readers.append((subprocess.Popen([sys.executable, str(script), str(db), str(stop), str(ready)], cwd=ROOT,
                                         env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True), ready))
    prepared = []
    original = core.store._prepare

    def watch(*args):
        result = original(*args)
        prepared.append(result[1])
        return result

    try:
        _wait_for_rounds(readers)
        core.store._prepare = watch
        # Two publishes under the readers (in this process: no start-up): the first from a copy of the
        # published file, the second from the standby the first left, caught up.
        for name in ("third", "fourth"):
            [report] = load_files([files[name]], db)
            assert report.status == "loaded", report.summary()
            states.append(figures(db)[:2])
        core.store._prepare = original
        assert prepared == ["copy", "standby"]
        for _ in range(2):  # two more rounds: every reader makes one whole round after the last publish
            for _, ready in readers:
                ready.unlink()
            _wait_for_rounds(readers)
    finally:
        core.store._prepare = original
        stop.touch()
        outputs = [finish(proc) for proc, _ in readers]
    allowed = {(dossiers, loads, dossiers) for dossiers, loads in states}
    for code, output in outputs:
        assert code == 0, output
        result = json.loads(output.strip().splitlines()[-1])
        assert result["errors"] == [], result["errors"]
        seen = {tuple(s) for s in result["seen"]}
        assert seen <= allowed, (seen, allowed)
        assert max(seen) == max(allowed)  # it saw the final state
        RESULTS.setdefault("reader process during publishes", []).append("survived")
    assert len(states) == len(set(states)) == 3


# --- a full or read-only disk --------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """Mount a tmpfs of the given size (root only) and unmount it afterwards."""
    mounted = []

    def mount(size_bytes: int) -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a small tmpfs needs root (the monkeypatched cases below still run)")
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                              capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=STEP_TIMEOUT, check=False)


def _assert_refused(db: Path, before: tuple, message: str, kind: str) -> None:
    expected = {"full": "đã đầy", "readonly": "chỉ đọc"}[kind]
    assert expected in message and f"«{db.parent}»" in message and "Cách xử lý:" in message, message
    assert "Dữ liệu đã công bố không thay đổi" in message
    assert (sha(db), version(db)) == before
    assert leftovers(db) == []


@pytest.mark.parametrize("where", ["copy", "write"])
def test_full_disk_is_a_clear_message_and_changes_nothing(small_disk, baseline, files, where):
    """A real full disk: too small for the work copy ('copy'), or for what the load writes ('write')."""
    size = baseline.stat().st_size
    folder = small_disk(size + (1 << 18) if where == "copy" else 2 * size + (1 << 20))
    db = folder / "cchc.duckdb"
    shutil.copyfile(baseline, db)
    before = (sha(db), version(db))
    with pytest.raises(EtlError) as caught:
        load_files([files["second"]], db)
    _assert_refused(db, before, str(caught.value), "full")
    code, output = finish(cli_load(db, files["second"]))  # the command line says the same, exit 1
    assert code == 1 and "đã đầy" in output and "Traceback" not in output, output
    _assert_refused(db, before, output, "full")
    RESULTS.setdefault("full disk (tmpfs)", []).append("survived")


def test_read_only_disk_is_a_clear_message_and_changes_nothing(small_disk, baseline, files):
    folder = small_disk(4 * baseline.stat().st_size)
    db = folder / "cchc.duckdb"
    shutil.copyfile(baseline, db)
    before = (sha(db), version(db))
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=STEP_TIMEOUT)
    with pytest.raises(EtlError) as caught:
        load_files([files["second"]], db)
    _assert_refused(db, before, str(caught.value), "readonly")
    code, output = finish(cli_load(db, files["second"]))
    assert code == 1 and "chỉ đọc" in output and "Traceback" not in output, output
    RESULTS.setdefault("read-only disk (tmpfs)", []).append("survived")


def _raise(exc: BaseException):
    def fail(*_args, **_kwargs):
        raise exc
    return fail


# Where the store writes, and the failure the OS (or DuckDB, as text) gives there.
FAILURES = [
    ("copy", "full", lambda mp: mp.setattr(core.store.shutil, "copyfile",
                                           _raise(OSError(errno.ENOSPC, "No space left on device")))),
    ("lock", "readonly", lambda mp: mp.setattr(core.store, "_exclusive_lock",
                                               _raise(OSError(errno.EROFS, "Read-only file system")))),
    ("commit", "full", lambda mp: mp.setattr(etl.load, "_write", _raise(duckdb.IOException(
        'Could not write file ".cchc.duckdb.1.work.wal": No space left on device')))),
    ("marts", "full", lambda mp: mp.setattr(etl.load, "build_marts", _raise(duckdb.FatalException(
        'Failed to create checkpoint because of error: Could not write file "x": No space left on device')))),
    ("fsync", "full", lambda mp: mp.setattr(core.store.os, "fsync", _raise(OSError(errno.EDQUOT, "Disk quota exceeded")))),
    ("rename", "readonly", lambda mp: mp.setattr(core.store.os, "replace",
                                                 _raise(PermissionError(errno.EACCES, "Permission denied")))),
]


@pytest.mark.parametrize("where, kind, patch", FAILURES, ids=[f[0] for f in FAILURES])
def test_write_failures_anywhere_in_the_store_give_the_message(tmp_path, baseline, files, monkeypatch, where, kind,
                                                              patch):
    db = fresh_copy(baseline, tmp_path / "data")
    before = (sha(db), version(db))
    figures_before = figures(db)
    patch(monkeypatch)
    with pytest.raises(EtlError) as caught:
        load_files([files["third"]], db)
    monkeypatch.undo()
    _assert_refused(db, before, str(caught.value), kind)
    assert figures(db) == figures_before
    [report] = load_files([files["third"]], db)  # once the disk is fixed, the same file loads
    assert report.status == "loaded"
    RESULTS.setdefault("write failure (simulated)", []).append("survived")


def test_other_errors_are_not_taken_for_a_disk_problem(tmp_path, baseline, files, monkeypatch):
    db = fresh_copy(baseline, tmp_path / "data")
    monkeypatch.setattr(etl.load, "build_marts", _raise(RuntimeError("something else")))
    with pytest.raises(RuntimeError):
        load_files([files["third"]], db)
    assert leftovers(db) == []

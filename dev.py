#!/usr/bin/env python3
"""Project bootstrap: the README's two commands.

    python3 dev.py app    install, build the demo database if absent, open the dashboard
    python3 dev.py test   install (with test extras and Debian's Chromium), run the whole test suite

Only the Python standard library is used here: this runs before anything is installed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def ensure_venv(extras: str = "") -> None:
    """Create .venv and install the project; reinstall only when pyproject.toml changes."""
    if not PY.exists():
        say("Tạo môi trường ảo .venv …")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed{extras or '-base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    say(f"Cài đặt thư viện ({target}) …")
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", target],
                   cwd=ROOT, check=True)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """End-to-end tests drive Debian's Chromium (no browser download: the network is closed)."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Cài Chromium từ kho Debian cho kiểm thử trình duyệt …")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-core"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    else:
        say(f"Không có {CHROMIUM}: cài gói Debian 'chromium' (sudo apt-get install chromium) để chạy kiểm thử trình duyệt.")


def cmd_app(args: list[str]) -> int:
    ensure_venv()
    db = Path(os.environ.get("CCHC_DB") or ROOT / "data" / "cchc.duckdb")
    if not db.exists():
        say("Chưa có cơ sở dữ liệu: dựng dữ liệu mẫu Thành phố Đà Nẵng qua ETL (lần đầu khoảng 1 phút) …")
        subprocess.run([str(PY), "-m", "etl", "demo", "--if-missing", "--db", str(db)], cwd=ROOT, check=True)
    command = [str(PY), "-m", "streamlit", "run", "dashboard.py", "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", *args]
    say("Mở bảng điều hành: http://127.0.0.1:8501")
    os.chdir(ROOT)
    os.execv(str(PY), command)
    return 0


def cmd_test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    return subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT).returncode


def cmd_bench(args: list[str]) -> int:
    ensure_venv()
    return subprocess.run([str(PY), "bench/bench_load.py", *args], cwd=ROOT).returncode


COMMANDS = {"app": cmd_app, "test": cmd_test, "bench": cmd_bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))

#!/usr/bin/env python3
"""Project bootstrap: the README's two commands.

    python3 dev.py app    install, build the demo database if absent, open the dashboard
    python3 dev.py test   install (with test extras and Debian's Chromium), run the whole test suite
    python3 dev.py bench  the load benchmark: the CSV load against DuckDB's bare read, a weekly load
                          into 5M dossiers against the same into an empty database (bench/bench_load.py)

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
# Debian packages the briefing document needs: WeasyPrint lays out the PDF with Pango; fonts with every
# Vietnamese glyph (Noto Serif, DejaVu) stand in for Times New Roman. Tests also read PDFs back with
# pdftotext / pdffonts (poppler-utils). (file that proves it is installed, package)
DOCUMENT_PACKAGES = (("/usr/lib/x86_64-linux-gnu/libpango-1.0.so.0", "libpango-1.0-0"),
                     ("/usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0", "libpangoft2-1.0-0"),
                     ("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf", "fonts-noto-core"),
                     ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"))
TEST_PACKAGES = (("/usr/bin/pdftotext", "poppler-utils"),)


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


def ensure_debian(packages: tuple[tuple[str, str], ...], why: str) -> None:
    """Install the Debian packages whose file is missing (as root, with apt-get); else say what to install."""
    missing = [package for path, package in packages if not _present(path)]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"Cài {', '.join(missing)} từ kho Debian ({why}) …")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)
    else:
        say(f"Thiếu gói Debian {', '.join(missing)} ({why}): sudo apt-get install {' '.join(missing)}")


def _present(path: str) -> bool:
    """A library path is matched on any architecture's multiarch folder (x86_64, aarch64 …)."""
    if Path(path).exists():
        return True
    if "/x86_64-linux-gnu/" in path:
        return any(Path(path.replace("x86_64-linux-gnu", d.name)).exists() for d in Path("/usr/lib").glob("*-linux-gnu"))
    return False


def cmd_app(args: list[str]) -> int:
    ensure_venv()
    ensure_debian(DOCUMENT_PACKAGES, "xuất báo cáo giao ban .pdf")
    address, args = listen_address(args)
    if address not in LOOPBACK and sign_in_mode() == "local":
        say(f"Từ chối mở bảng điều hành trên địa chỉ {address}: chưa cấu hình đăng nhập (không có tệp tài khoản, "
            "không có mục [auth] trong .streamlit/secrets.toml), nên ai trong mạng cũng xem được hồ sơ của người "
            "dân. Tạo tài khoản trước: .venv/bin/python -m access add TÊN --name \"Họ tên\" --role data_admin "
            "(xem README, mục Đăng nhập và phân quyền), hoặc bỏ CCHC_ADDRESS để chạy trên máy này (127.0.0.1).")
        return 2
    db = Path(os.environ.get("CCHC_DB") or ROOT / "data" / "cchc.duckdb")
    if not db.exists():
        say("Chưa có cơ sở dữ liệu: dựng dữ liệu mẫu Thành phố Đà Nẵng qua ETL (lần đầu khoảng 1 phút) …")
        subprocess.run([str(PY), "-m", "etl", "demo", "--if-missing", "--db", str(db)], cwd=ROOT, check=True)
    else:  # a database built by an earlier version gets this version's reference tables and marts
        done = subprocess.run([str(PY), "-m", "etl", "rebuild", "--if-outdated", "--db", str(db)], cwd=ROOT)
        if done.returncode:
            say(f"Không cập nhật được cơ sở dữ liệu {db} lên phiên bản này (xem lỗi ở trên); bảng điều hành vẫn mở.")
    command = [str(PY), "-m", "ui.server", "run", "dashboard.py", "--server.address", address,
               "--browser.gatherUsageStats", "false", *args]
    local_only = sign_in_mode() == "local"
    say(f"Mở bảng điều hành: http://{'127.0.0.1' if address in LOOPBACK else address}:{listen_port(args)}"
        + (" (chỉ trên máy này: chưa cấu hình đăng nhập)" if local_only else ""))
    os.chdir(ROOT)
    os.execv(str(PY), command)
    return 0


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def listen_address(args: list[str]) -> tuple[str, list[str]]:
    """The address to listen on: --server.address in args, else $CCHC_ADDRESS, else 127.0.0.1
    (the option is taken out of args: it is passed once, after the check)."""
    address = os.environ.get("CCHC_ADDRESS") or "127.0.0.1"
    rest, i = [], 0
    while i < len(args):
        if args[i] == "--server.address" and i + 1 < len(args):
            address, i = args[i + 1], i + 2
            continue
        if args[i].startswith("--server.address="):
            address = args[i].split("=", 1)[1]
        else:
            rest.append(args[i])
        i += 1
    return address, rest


def listen_port(args: list[str]) -> str:
    """The port Streamlit will use: --server.port in args, else its default 8501."""
    for i, arg in enumerate(args):
        if arg == "--server.port" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--server.port="):
            return arg.split("=", 1)[1]
    return "8501"


def sign_in_mode() -> str:
    """'local' (no accounts, no OIDC), 'accounts' or 'oidc': see access/config.py (standard library only)."""
    sys.path.insert(0, str(ROOT))
    from access.config import mode

    return mode()


def cmd_test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    ensure_debian(DOCUMENT_PACKAGES + TEST_PACKAGES, "báo cáo .pdf và kiểm thử đọc lại tệp .pdf")
    return subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT).returncode


def cmd_bench(args: list[str]) -> int:
    """Prints the CSV ratio (target 2×) and the weekly-load ratio (target 3×); the 5M database of the
    weekly load is built once (a few minutes) and kept in bench/out/."""
    ensure_venv()
    return subprocess.run([str(PY), "bench/bench_load.py", *args], cwd=ROOT).returncode


COMMANDS = {"app": cmd_app, "test": cmd_test, "bench": cmd_bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))

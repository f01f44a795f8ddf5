"""Shared pytest fixtures. ETL export writers live in tests/fixtures_exports.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run from any directory without installing the project
    sys.path.insert(0, str(PROJECT_ROOT))


@pytest.fixture(scope="session", autouse=True)
def private_access_files(tmp_path_factory):
    """Tests never touch the real accounts file or audit log (data/users.toml, data/audit.duckdb):
    without a users file the app runs in local mode; audit rows go to a throw-away database."""
    saved = {k: os.environ.get(k) for k in ("CCHC_USERS", "CCHC_AUDIT_DB")}
    folder = tmp_path_factory.mktemp("access")
    os.environ["CCHC_USERS"] = str(folder / "no-users.toml")
    os.environ["CCHC_AUDIT_DB"] = str(folder / "audit.duckdb")
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def fresh_installation():
    """A test that loads into its own database chooses that database's installation (core.installation.use);
    the next test starts again from $CCHC_DB / data/cchc.duckdb, i.e. the bundled (demo) settings."""
    from core.installation import reset

    reset()
    yield
    reset()


@pytest.fixture(autouse=True)
def browser_on_this_machine(monkeypatch):
    """AppTest has no browser connection, and local mode refuses a connection it cannot place: the app
    under AppTest sees a browser on the server itself (loopback, no proxy), as `dev.py app` serves it.
    Tests of other connections call tests.app_support.connect_from. Real-browser tests run a real
    server in another process, which this does not touch."""
    from tests.app_support import LOCAL_BROWSER, BrowserConnection, connect_from

    connect_from(monkeypatch, BrowserConnection("127.0.0.1", LOCAL_BROWSER))


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    """Path of a database that does not exist yet, in a private folder (never data/)."""
    return tmp_path / "db" / "cchc.duckdb"


@pytest.fixture
def exports_dir(tmp_path: Path) -> Path:
    """Folder for the export files a test writes."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo province built once per run through the real pipeline (generator → files → ETL)."""
    from tests.app_support import build_demo_db

    return build_demo_db(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (tests/app_support.py: path, args)."""
    from tests.app_support import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `python3 dev.py test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()

"""UI launcher: `python -m ui.server run dashboard.py …` is `streamlit run` with two corrections to
how Streamlit finds the page a browser asks for and, without sign-in configured, bound to the
loopback address; it starts the server and nothing else.

1. No legacy `pages/` folder mode. Streamlit treats a folder named `pages/` beside the entry
   script as a version-1 multipage app until a session has called `st.navigation`. So the first
   browser session after a start that opens a deep link (/tre-han) runs through the old mode: an
   English "Page not found" dialog over the page, the navigation listing file names, and `/late`
   running pages/late.py without the frame (it then fails, because the frame never recorded a
   viewer). Every page here is declared with `st.navigation` in dashboard.py, so the old mode is
   switched off before the server starts.
2. The landing page answers to its own path. `st.navigation` serves the default page at the root
   and gives it the path "" — so a link to /giao-ban (the landing page's `url_path`, which the
   other pages' links and bookmarks use) found no page and drew the English "Page not found"
   dialog over the landing page. A page's script hash is the hash of its own `url_path` (default
   page included), so a requested path that matches no listed path is looked up by that hash.

Local mode (access.config.mode: no accounts file, no OIDC) shows everything to whoever reaches
the server, so the server must only be reachable from this machine: it listens on 127.0.0.1
unless ::1 or localhost is asked for, and refuses to start when another address is asked for
(command line or STREAMLIT_SERVER_ADDRESS). The command-line value beats the config files, so an
address in a config.toml cannot widen it. The app checks each connection as well (ui/auth.py).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from streamlit.runtime.pages_manager import PagesManager
from streamlit.util import calc_hash

from access.config import mode
from access.network import LOCAL_ADDRESS, is_loopback

OPTION = "--server.address"
LISTEN_REFUSED = ("Từ chối chạy bảng điều hành trên địa chỉ {address}: chưa cấu hình đăng nhập (chế độ máy cục bộ) "
                  "nên máy chủ chỉ được nghe trên 127.0.0.1 hoặc ::1. Muốn mở qua mạng hoặc sau reverse proxy, hãy "
                  "cấu hình tài khoản (.venv/bin/python -m access add …) hoặc đăng nhập qua hệ thống xác thực của "
                  "cơ quan trước (xem README, mục Chạy sau reverse proxy).")


def asked_address(argv: list[str], environ: Mapping[str, str]) -> tuple[str | None, list[str]]:
    """The listen address asked for (command line, else STREAMLIT_SERVER_ADDRESS) and argv without
    it. Arguments after `--` belong to the script and are left alone."""
    address, rest, i = None, [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == OPTION and i + 1 < len(argv):
            address, i = argv[i + 1], i + 2
            continue
        if arg.startswith(OPTION + "="):
            address = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return address or environ.get("STREAMLIT_SERVER_ADDRESS") or None, rest


def listen_args(argv: list[str], environ: Mapping[str, str], sign_in_mode: str) -> list[str] | None:
    """The arguments to start Streamlit with: in local mode `run` gets a loopback --server.address
    (the one asked for, else 127.0.0.1); None when local mode was asked for another address."""
    if sign_in_mode != "local" or not argv or argv[0] != "run":
        return argv
    address, rest = asked_address(argv[1:], environ)
    if address is not None and not is_loopback(address):
        return None
    return ["run", OPTION, address or LOCAL_ADDRESS, *rest]


_resolve = PagesManager._resolve_page_script


def _resolve_own_path(self: PagesManager, fallback_page_hash: str = ""):
    found = _resolve(self, fallback_page_hash)
    if found is None and self._pages and self.intended_page_name and not self.intended_page_script_hash:
        found = self._pages.get(calc_hash(self.intended_page_name))
    return found


def install() -> None:
    """Apply both corrections to this process's Streamlit (the server, before it starts)."""
    PagesManager.uses_pages_directory = False
    PagesManager._resolve_page_script = _resolve_own_path


def start() -> int:
    """Check the listen address, then hand over to Streamlit's command line."""
    args = listen_args(sys.argv[1:], os.environ, mode())
    if args is None:
        address, _ = asked_address(sys.argv[2:], os.environ)
        print(LISTEN_REFUSED.format(address=address), file=sys.stderr)
        return 2
    from streamlit.web.cli import main

    install()
    sys.argv = [sys.argv[0], *args]
    main()
    return 0


if __name__ == "__main__":
    sys.exit(start())

"""The launcher (python -m ui.server run dashboard.py): in local mode (no sign-in configured) the
server listens on the loopback address only, whatever it is asked; with sign-in it listens where told."""
from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_support import ROOT, free_port, streamlit_server
from ui.server import LISTEN_REFUSED, listen_args


def listening(port: int) -> set[str]:
    """The addresses a TCP socket of this machine listens on at `port` (Linux /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # each 32-bit word printed in host (little-endian) order
            found.add(str(ipaddress.ip_address(b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))))
    return found


@pytest.mark.parametrize("argv,env,expected", [
    (["run", "dashboard.py"], {}, ["run", "--server.address", "127.0.0.1", "dashboard.py"]),
    (["run", "dashboard.py", "--server.port", "8600"], {},
     ["run", "--server.address", "127.0.0.1", "dashboard.py", "--server.port", "8600"]),
    (["run", "dashboard.py", "--server.address", "::1"], {}, ["run", "--server.address", "::1", "dashboard.py"]),
    (["run", "dashboard.py", "--server.address=localhost"], {},
     ["run", "--server.address", "localhost", "dashboard.py"]),
    (["run", "dashboard.py", "--", "--server.address", "0.0.0.0"], {},  # after --: the script's own arguments
     ["run", "--server.address", "127.0.0.1", "dashboard.py", "--", "--server.address", "0.0.0.0"]),
    (["run", "dashboard.py", "--server.address", "0.0.0.0"], {}, None),
    (["run", "dashboard.py", "--server.address=10.0.0.2"], {}, None),
    (["run", "dashboard.py"], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}, None),
    (["run", "dashboard.py", "--server.address", "127.0.0.1"], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"},
     ["run", "--server.address", "127.0.0.1", "dashboard.py"]),
    (["version"], {}, ["version"]),  # not a server
])
def test_local_mode_listen_args(argv, env, expected):
    assert listen_args(argv, env, "local") == expected


def test_signed_in_modes_listen_where_told():
    argv = ["run", "dashboard.py", "--server.address", "0.0.0.0"]
    assert listen_args(argv, {}, "accounts") == argv
    assert listen_args(argv, {}, "oidc") == argv


def test_local_mode_server_refuses_a_network_address(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "ui.server", "run", "dashboard.py", "--server.headless", "true",
               "--server.address", "0.0.0.0", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "CCHC_DB": str(tmp_path / "cchc.duckdb")}
    try:
        done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the server started on 0.0.0.0 without sign-in configured")
    assert done.returncode == 2
    assert LISTEN_REFUSED.format(address="0.0.0.0") in done.stderr
    assert not listening(port)


def test_local_mode_server_listens_on_loopback_only(tmp_path):
    port = free_port()
    with streamlit_server(tmp_path / "cchc.duckdb", address=None, port=port):
        addresses = listening(port)
    assert addresses and all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses

"""Access layer: is a browser connection from this machine itself, not through a proxy? Local mode's guard.

Standard library only (ui/server.py checks its listen address with it before Streamlit starts);
never imports Streamlit. Local mode has no sign-in, so its only protection is that nobody but the
person at the server can reach it: the server listens on loopback only (ui/server.py), and the app
refuses a connection that is not plainly a browser on this machine (ui/auth.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_address
from urllib.parse import urlsplit

LOCAL_ADDRESS = "127.0.0.1"  # where the server listens in local mode unless ::1 or localhost is asked for
# Headers a reverse proxy adds about whom it forwards (RFC 7239 Forwarded, and the de-facto ones).
# A browser talking to the server directly never sends them.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip")

REFUSALS = {
    "proxy": "Bảng điều hành đang chạy ở chế độ máy cục bộ (chưa cấu hình đăng nhập) nên không phục vụ qua "
             "reverse proxy hay tên miền. Muốn chạy sau reverse proxy, quản trị dữ liệu phải cấu hình đăng nhập "
             "trước (tài khoản hoặc hệ thống xác thực của cơ quan; xem README, mục Chạy sau reverse proxy). "
             "Trên chính máy chủ, hãy mở bảng điều hành qua địa chỉ 127.0.0.1.",
    "unknown": "Bảng điều hành đang chạy ở chế độ máy cục bộ (chưa cấu hình đăng nhập) nhưng không xác định được "
               "trình duyệt này kết nối từ đâu, nên từ chối phục vụ. Hãy mở bảng điều hành qua địa chỉ 127.0.0.1 "
               "trên chính máy chủ, hoặc nhờ quản trị dữ liệu cấu hình đăng nhập (xem README, mục Đăng nhập và phân quyền).",
    "remote": "Bảng điều hành đang chạy ở chế độ máy cục bộ (chưa cấu hình đăng nhập) nên chỉ mở được trên "
              "chính máy chủ. Để dùng qua mạng, quản trị dữ liệu cần cấu hình tài khoản hoặc đăng nhập qua "
              "hệ thống xác thực của cơ quan (xem README, mục Đăng nhập và phân quyền).",
}


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 (also written [::1] or ::ffff:127.0.0.1), or the name localhost."""
    text = (address or "").strip().strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        ip = ip_address(text)
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def forwarded(headers: Mapping[str, str]) -> bool:
    """Does the request carry a proxy's forwarding header? Keys are lower-case header names."""
    return any(name in headers for name in PROXY_HEADERS)


def named_elsewhere(headers: Mapping[str, str]) -> bool:
    """Does the page address (Host, or the browser's Origin) name something other than this machine?
    A browser here reaches the loopback-only server as 127.0.0.1, ::1 or localhost; through a
    proxy it uses the proxy's name, which the proxy passes on (Origin always, Host often)."""
    return any(value and value != "null" and not is_loopback(_host(value))
               for value in (headers.get("host"), headers.get("origin")))


def proxied(headers: Mapping[str, str]) -> bool:
    """Did the request come through a proxy, as far as its headers tell?"""
    return forwarded(headers) or named_elsewhere(headers)


def local_refusal(peer: str | None, headers: Mapping[str, str] | None) -> str | None:
    """Why local mode must refuse this connection ('proxy', 'unknown', 'remote'), or None for a
    browser on this machine. peer: the TCP peer as the server saw it (None: it could not tell);
    headers: the browser's first request, lower-case names (None: unreadable)."""
    if headers is not None and forwarded(headers):
        return "proxy"
    if peer is None or headers is None:
        return "unknown"
    if not is_loopback(peer):
        return "remote"
    return "proxy" if named_elsewhere(headers) else None


def _host(value: str) -> str | None:
    """The host part of a Host header ('127.0.0.1:8501', '[::1]:8501') or an Origin ('http://localhost:8501')."""
    try:
        return urlsplit(value if "://" in value else f"//{value}").hostname
    except ValueError:
        return None

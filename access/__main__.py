"""Access command line for the office's IT staff: add, disable, enable, reset, list accounts.

    python -m access add nva --name "Nguyễn Văn A" --role unit_leader --unit 20242
    python -m access add lanhdao --name "Trần Thị B" --role province_leader --email b@danang.gov.vn
    python -m access reset nva            (asks for the new password twice)
    echo "$PASS" | python -m access reset nva --password-stdin
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from access import audit
from access.config import users_path
from access.roles import RoleError, roles
from access.users import (
    AccountError,
    add_user,
    load_users,
    reset_password,
    set_disabled,
)
from core.installation import use


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m access", description="Quản lý tài khoản bảng điều hành CCHC.")
    parser.add_argument("--users", type=Path, default=None,
                        help="tệp tài khoản (mặc định $CCHC_USERS hoặc data/users.toml)")
    parser.add_argument("--db", default=None,
                        help="cơ sở dữ liệu của bản cài đặt, để kiểm tra mã đơn vị (mặc định $CCHC_DB hoặc "
                             "data/cchc.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_add = sub.add_parser("add", help="thêm tài khoản")
    p_add.add_argument("username", help="tên đăng nhập: chữ thường không dấu, số, . _ -")
    p_add.add_argument("--name", required=True, help="họ tên hiển thị, ví dụ \"Nguyễn Văn A\"")
    p_add.add_argument("--role", required=True, help="vai trò: " + ", ".join(roles()))
    p_add.add_argument("--unit", action="append", default=[], metavar="MÃ",
                       help="mã đơn vị (lặp lại được); bắt buộc với unit_leader, office_staff")
    p_add.add_argument("--email", default=None,
                       help="đăng nhập qua hệ thống xác thực của cơ quan (OIDC) bằng email này, không dùng mật khẩu")
    p_add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    for name, text in (("disable", "khóa tài khoản"), ("enable", "mở lại tài khoản")):
        sub.add_parser(name, help=text).add_argument("username")
    p_reset = sub.add_parser("reset", help="đặt lại mật khẩu")
    p_reset.add_argument("username")
    p_reset.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    sub.add_parser("list", help="danh sách tài khoản (không in mã băm)")
    args = parser.parse_args(argv)
    use(args.db)  # unit codes are checked against this installation's directory
    path = args.users or users_path()
    try:
        return COMMANDS[args.command](args, path)
    except (AccountError, RoleError, audit.AuditError) as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        raise AccountError("Hai lần nhập mật khẩu không khớp.")
    return first


def _log(command: str, target: str, **detail) -> None:
    audit.record("user_admin", getpass.getuser(), "cli", detail={"command": command, "target": target, **detail},
                 client="cli")


def cmd_add(args, path: Path) -> int:
    from core.units import directory

    known = set(directory()["unit_code"].to_list())
    password = None if args.email else _password(args)
    user = add_user(path, args.username, args.name, args.role, args.unit, password=password, email=args.email,
                    known_units=known)
    _log("add", user.username, role=user.role, unit_codes=list(user.unit_codes), kind=user.kind)
    how = f"đăng nhập qua hệ thống xác thực bằng {user.email}" if user.email else "đăng nhập bằng mật khẩu"
    print(f"Đã thêm tài khoản «{user.username}» ({user.display_name}, {roles()[user.role].label}), {how}. "
          f"Tệp: {path}")
    return 0


def cmd_disable(args, path: Path) -> int:
    set_disabled(path, args.username, True)
    _log("disable", args.username)
    print(f"Đã khóa tài khoản «{args.username}»: phiên đang mở kết thúc ở thao tác tiếp theo.")
    return 0


def cmd_enable(args, path: Path) -> int:
    set_disabled(path, args.username, False)
    _log("enable", args.username)
    print(f"Đã mở lại tài khoản «{args.username}».")
    return 0


def cmd_reset(args, path: Path) -> int:
    if args.username not in load_users(path):
        raise AccountError(f"Không có tài khoản «{args.username}». Xem danh sách: python -m access list.")
    reset_password(path, args.username, _password(args))
    _log("reset", args.username)
    print(f"Đã đặt lại mật khẩu cho «{args.username}».")
    return 0


def cmd_list(args, path: Path) -> int:
    users = load_users(path)
    if not users:
        print(f"Chưa có tài khoản nào trong {path}. Thêm: python -m access add TÊN --name … --role …")
        return 0
    known = roles()
    print(f"{'Tên đăng nhập':<20} {'Họ tên':<26} {'Vai trò':<30} {'Đơn vị':<18} {'Cách đăng nhập':<28} Trạng thái")
    for u in sorted(users.values(), key=lambda u: u.username):
        label = known[u.role].label if u.role in known else f"{u.role} (không có trong cấu hình)"
        how = u.email if u.kind == "oidc" else "mật khẩu"
        state = "đã khóa" if u.disabled else "hoạt động"
        print(f"{u.username:<20} {u.display_name[:26]:<26} {label[:30]:<30} {','.join(u.unit_codes) or 'toàn tỉnh':<18}"
              f" {how[:28]:<28} {state}")
    return 0


COMMANDS = {"add": cmd_add, "disable": cmd_disable, "enable": cmd_enable, "reset": cmd_reset, "list": cmd_list}

if __name__ == "__main__":
    sys.exit(main())

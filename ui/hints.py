"""UI hints for the people who run the installation: which settings file holds a rule, which
command changes the data. Chairmen and office staff read the dashboard, not its configuration:
only a viewer who may load data (access/roles.toml `may_load`: the data administrators, and the
local viewer at the server itself) is shown file names, the settings folder and shell commands."""
from __future__ import annotations

from ui.auth import may
from ui.session import current_viewer


def runs_installation() -> bool:
    """Does the viewer of this run look after the installation (may load data)?"""
    return may(current_viewer(), "load")


def admin_only(text: str, otherwise: str = "") -> str:
    """`text` (a file, a setting, a command) for a viewer who runs the installation; `otherwise`
    (what to ask for, in plain words, or nothing) for everyone else."""
    return text if runs_installation() else otherwise

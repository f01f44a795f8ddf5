"""UI launcher: `python -m ui.server run dashboard.py …` is `streamlit run` with two corrections to
how Streamlit finds the page a browser asks for; it starts the server and nothing else.

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
"""
from streamlit.runtime.pages_manager import PagesManager
from streamlit.util import calc_hash
from streamlit.web.cli import main

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


if __name__ == "__main__":
    install()
    main()

"""UI launcher: `python -m ui.server run dashboard.py …` is `streamlit run` minus the legacy
`pages/` folder mode; it starts the server and nothing else.

Streamlit treats a folder named `pages/` beside the entry script as a version-1 multipage app
until a session has called `st.navigation`. So the first browser session after a start that
opens a deep link (/tre-han) runs through the old mode: an English "Page not found" dialog over
the page, the navigation listing file names, and `/late` running pages/late.py without the
frame (it then fails, because the frame never recorded a viewer). Every page here is declared
with `st.navigation` in dashboard.py, so the old mode is switched off before the server starts.
"""
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    main()

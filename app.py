"""Streamlit entry point: ``streamlit run app.py`` (or ``assistant app``). The pages live in
assistant/ui/; this file only starts the shell."""

from assistant.ui.app import main

main()

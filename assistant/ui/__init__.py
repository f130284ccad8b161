"""The Streamlit app: one module per page (chat, flashcards, quiz, progress, tutor,
evaluation, documents) plus shared helpers (resources, state, safe text, widgets).
Pages call the library only; nothing here talks to Chroma or the model directly."""

__all__: list[str] = []  # the pages are loaded by assistant.ui.app; nothing to import from here

"""The Streamlit app: one module per page (chat, flashcards, quiz, progress, tutor,
evaluation, documents) plus shared helpers (resources, state, safe text, widgets, uploads).
Pages call the library only; nothing here talks to Chroma or the model directly."""

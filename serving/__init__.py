"""How the Rasa server runs here: faster action-response checks, a tuned SQLite tracker store."""

"""Custom components of the Rasa NLU pipeline (loaded by the Rasa server, listed in config.yml)."""

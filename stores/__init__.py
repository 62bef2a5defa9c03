"""Stores the Rasa server loads by module path from the endpoints file (see runtime/endpoints.py)."""

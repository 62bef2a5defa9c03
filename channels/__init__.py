"""Input channels of the Rasa server (listed in credentials.yml), built to never leave a visitor silent."""

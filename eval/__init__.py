"""NLU evaluation (`make eval`): our pipeline against Rasa's default on the dev set and held-out splits."""

"""Changes to Rasa 3.6 and Sanic 21.12 behaviour, each for a measured reason, each refusing to run
on a release it was not written for (a test each in tests/test_runtime_patches.py)."""

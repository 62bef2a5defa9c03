"""What the servers run: start-up of the Rasa server and the action server, their endpoints, the
patches to Rasa and Sanic (each with a version guard), log privacy, and starting the local stack
(`make run`, the tests, the benchmarks). The container images copy this folder.
"""

"""Developer and staff commands: check and preview the answers, forget a conversation, the clients
tests and benchmarks talk to the assistant with, memory readings of a process."""

"""Developer tooling: build the spaCy pipeline, start the servers, evaluate, benchmark."""

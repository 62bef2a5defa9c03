# One Rasa replica: Rasa Open Source, the project's channels and NLU components, the spaCy
# pipeline (built here, nothing downloaded at run time) and the trained model.
# Build from the repository root after `make train` (the model is copied, not trained here):
#   docker build -f deploy/docker/rasa.Dockerfile -t bliss/rasa .
FROM python:3.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    HOME=/app
WORKDIR /app

COPY requirements-rasa.txt constraints.txt ./
RUN pip install --upgrade "pip<24.1" && pip install -r requirements-rasa.txt

# Runtime code only, whole folders (no benchmarks, evaluation or developer tools; a test checks
# that these folders hold every module the server imports).
COPY runtime/ runtime/
COPY nlu_pipeline/ nlu_pipeline/
RUN python -m runtime.build_spacy_pipeline .cache/spacy/en_bliss_ldn

COPY channels/ channels/
COPY nlu_components/ nlu_components/
COPY stores/ stores/
COPY safety/ safety/
COPY answer_book/ answer_book/
COPY staff_files/ staff_files/
COPY answers/ answers/
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY models/bliss.tar.gz models/bliss.tar.gz

# not root; /tmp holds the endpoints file runtime/rasa_server.py writes from the environment
# var/ holds the SMS channel's SQLite store (a volume in docker-compose.yml)
RUN useradd --uid 1001 --home-dir /app --no-create-home bliss && mkdir -p /app/var && chown bliss /app /app/var
USER 1001
EXPOSE 5005
# the HTTP API stays off unless RASA_JWT_SECRET is set (see runtime/rasa_server.py, docs/DEPLOY.md)
CMD ["python", "-m", "runtime.rasa_server", "--interface", "0.0.0.0", "--port", "5005"]

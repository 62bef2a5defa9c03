# The action server: rasa-sdk + PyYAML + the actions package and the folders it imports, whole
# (runtime/, answer_book/, staff_files/, safety/, stores/ for the shared DATABASE_URL name).
# No Rasa, no TensorFlow (a test checks both).
#   docker build -f deploy/docker/actions.Dockerfile -t bliss/actions .
FROM python:3.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HOME=/app
WORKDIR /app

COPY requirements-actions.txt constraints.txt ./
RUN pip install --upgrade "pip<24.1" && pip install -r requirements-actions.txt

COPY runtime/ runtime/
COPY actions/ actions/
COPY answer_book/ answer_book/
COPY staff_files/ staff_files/
COPY safety/ safety/
COPY answers/ answers/
COPY stores/ stores/

RUN useradd --uid 1001 --home-dir /app --no-create-home bliss
USER 1001
EXPOSE 5055
# 0.0.0.0 inside the container; only the private network reaches it (no published port,
# a NetworkPolicy in Kubernetes): see docs/DEPLOY.md
CMD ["python", "-m", "runtime.action_server", "--host", "0.0.0.0", "--port", "5055"]

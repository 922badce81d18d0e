# The grader image: the web service (gunicorn) and the Celery worker run from it.
# CPU torch by default; for GPU workers build with
#   --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126
FROM python:3.11-slim

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GRADER_INSTANCE_PATH=/var/lib/grader

WORKDIR /app
# bubblewrap: the sandbox that runs students' code answers (grader/sandbox; docs/workers.md)
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN pip install --extra-index-url "$TORCH_INDEX" -r requirements.txt \
 && useradd --create-home --uid 1000 grader \
 && mkdir -p /var/lib/grader && chown grader /var/lib/grader
COPY grader ./grader
# the pages' and the feedback's words in each language: compiled here, never committed
RUN pybabel compile -d grader/translations
COPY migrations ./migrations
COPY alembic.ini ./
COPY exercises ./exercises

USER grader
EXPOSE 8000
# The web process: applies migrations, then gunicorn with threads (the dispatcher is per process).
CMD ["sh", "-c", "python -m grader db upgrade && exec gunicorn --bind 0.0.0.0:8000 --workers 2 --threads 8 'grader:create_app()'"]

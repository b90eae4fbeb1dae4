# The graph-api service image. Configure it with GRAPH_API_* variables (see docs/neo4j.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph_api ./graph_api
COPY schema ./schema
COPY loaders ./loaders
COPY algorithms ./algorithms
RUN pip install . \
    && useradd --create-home --uid 10001 app

USER app
EXPOSE 8000
# Binding beyond localhost: the service refuses to start without GRAPH_API_API_KEYS.
CMD ["graph-api", "serve", "--host", "0.0.0.0", "--port", "8000"]

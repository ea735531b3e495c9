# Frontdesk: one image for every process (api, worker, scheduler, migrate).
# The command picks the role: `serve` (default), `worker`, `scheduler`, `migrate`.
# See docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FRONTDESK_HOST=0.0.0.0 \
    FRONTDESK_PORT=8000 \
    FRONTDESK_DATA_DIR=/var/lib/frontdesk

# Run as an unprivileged user. Its home is FRONTDESK_DATA_DIR: the embedded
# fallback (no DATABASE_URL), `seed-demo` and trained models (models/, a volume
# shared by api and workers in docker-compose.yml) are written there.
RUN groupadd --system --gid 10001 frontdesk \
 && useradd --system --uid 10001 --gid frontdesk --home-dir /var/lib/frontdesk \
      --create-home --shell /usr/sbin/nologin frontdesk \
 && install -d -o frontdesk -g frontdesk /var/lib/frontdesk/models

# Dependencies first, from the lock alone, so code changes reuse this layer.
# Every locked package ships a manylinux wheel: no compiler is needed.
COPY requirements.lock /tmp/requirements.lock
RUN pip install -r /tmp/requirements.lock && rm /tmp/requirements.lock

# The project itself, without resolving anything again.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY adapters ./adapters
COPY domain ./domain
COPY gql ./gql
COPY migrations ./migrations
COPY resolvers ./resolvers
COPY tasks ./tasks
RUN pip install --no-deps . && rm -rf /src

# Nothing below runs in /src (removed above).
USER 10001:10001
WORKDIR /var/lib/frontdesk

EXPOSE 8000

# Only meaningful for `serve`; compose disables it for worker, scheduler, migrate.
# urlopen raises on a refused connection and on the 503 /healthz gives when the
# database does not answer, so either makes the check fail.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FRONTDESK_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["frontdesk"]
CMD ["serve"]

# Paris Volunteers Bot: one image for every role (webhook worker, scheduler, sender, migrations).
# Build: docker build -t volunteer-bot .   (or scripts/image-smoke, which builds it and runs it)
# Roles and their health checks: compose.yaml and docs/deploy.md.
# The base is pinned to an exact tag; BASE lets scripts/image-smoke build on a stand-in where no
# container registry is reachable (any Debian-based image with python3 3.11 and its venv module).
ARG BASE=docker.io/library/python:3.11.14-slim-bookworm

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/volunteer-bot
# Dependencies first, from the lock with hashes: a code change does not reinstall them.
# Behind a TLS-inspecting proxy, give pip the organisation's CA bundle as a build secret (never a layer):
#   docker build --secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt .
COPY requirements/runtime.lock /tmp/runtime.lock
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi; \
    /opt/volunteer-bot/bin/pip install --require-hashes -r /tmp/runtime.lock
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY services /src/services
COPY models /src/models
COPY locales /src/locales
# the bot itself, built with the locked setuptools (which then leaves: the image runs, it does not build)
RUN /opt/volunteer-bot/bin/pip install --no-deps --no-build-isolation /src \
 && /opt/volunteer-bot/bin/pip uninstall --yes setuptools

FROM ${BASE}
ENV PATH=/opt/volunteer-bot/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    LOG_FORMAT=json WEBHOOK_HOST=0.0.0.0 HOME=/app
COPY --from=build /opt/volunteer-bot /opt/volunteer-bot
# A numeric user (no passwd entry needed; Kubernetes' runAsNonRoot can verify it) that owns only /app.
RUN mkdir -p /app && chown 10001:10001 /app
WORKDIR /app
USER 10001:10001
EXPOSE 8080 9100
# One check for every role: the worker answers /healthz on WEBHOOK_PORT; the scheduler and the sender
# answer it on METRICS_PORT (compose.yaml sets it; without it they serve no HTTP and report unhealthy).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 CMD ["python3", "-m", "bot.healthcheck"]
ENTRYPOINT ["volunteer-bot"]
CMD ["run", "--webhook"]

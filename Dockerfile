# Paris Volunteers Bot: one image for every role (webhook worker, scheduler, sender, migrations).
# Build: docker build -t volunteer-bot .     Roles: see compose.yaml and docs/deploy.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY models ./models
COPY locales ./locales
COPY emulator ./emulator
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_FORMAT=json WEBHOOK_HOST=0.0.0.0
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /app bot && mkdir -p /app && chown bot /app
WORKDIR /app
USER bot
EXPOSE 8080
# /healthz answers as soon as the worker serves; /readyz also checks the database, migrations and Redis.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
ENTRYPOINT ["volunteer-bot"]
CMD ["run", "--webhook"]

# hybrid-router: the proxy (and, for rehearsals, the emulators) in one image.
# Dependencies come from requirements-runtime.lock: exact versions with hashes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HR_HOST=0.0.0.0 \
    HR_PORT=4000 \
    HR_DATA_DIR=/var/lib/hybrid-router

WORKDIR /app
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

COPY pyproject.toml litellm_config.yaml README.md ./
COPY classifier ./classifier
COPY router_service ./router_service
COPY training ./training
COPY emulators ./emulators
COPY bench ./bench
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --home-dir /var/lib/hybrid-router --create-home router \
    && mkdir -p /var/lib/hybrid-router/spill \
    && chown -R router /var/lib/hybrid-router
ENV HR_LITELLM_CONFIG=/app/litellm_config.yaml

USER router
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=2)"
CMD ["hybrid-router", "serve"]

# mock-iovox: the IOVOX Enterprise REST API v3.0 sandbox, served over HTTPS on 444.
#   docker build -t mock-iovox .
#   docker run --rm -p 444:444 -v mock-iovox-data:/app/data -v mock-iovox-certs:/app/certs mock-iovox
# Trust the CA it creates on first start:  docker cp <container>:/app/certs/ca.crt .
# Without access to an image registry, scripts/docker-test builds a Debian bookworm base locally
# (mmdebstrap) and passes it as --build-arg BASE=mock-iovox-base:bookworm.
ARG BASE=debian:bookworm-slim

# Debian's Python 3.11 with venv (already in the local base; installed from Debian otherwise)
FROM ${BASE} AS python
RUN if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates && rm -rf /var/lib/apt/lists/*; \
    fi

# Dependencies only, at the versions of constraints.txt: code changes do not reinstall them.
# This stage is not shipped, so the build-only CA certificates (docker/build-ca/) stay here. Where TLS
# is inspected and none were given, docker/pip-install ends the failed build with the fix in one line.
FROM python AS deps
COPY docker/build-ca/ /tmp/build-ca/
COPY pyproject.toml constraints.txt docker/pip-install /tmp/lock/
RUN set -eu; \
    if ls /tmp/build-ca/*.crt >/dev/null 2>&1; then cat /tmp/build-ca/*.crt >/tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; fi; \
    python3 -c "import tomllib; p = tomllib.load(open('/tmp/lock/pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres'] + ['setuptools']))" >/tmp/lock/requirements.txt; \
    python3 -m venv /opt/mock-iovox; \
    PIP=/opt/mock-iovox/bin/pip sh /tmp/lock/pip-install --no-cache-dir --disable-pip-version-check \
      -c /tmp/lock/constraints.txt -r /tmp/lock/requirements.txt

FROM python
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/mock-iovox/bin:$PATH
# a non-root user owning the volume folders (new named volumes take the folder's owner)
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mockiovox \
    && mkdir -p /app/data /app/certs && chown mockiovox:mockiovox /app/data /app/certs
COPY --from=deps /opt/mock-iovox /opt/mock-iovox
COPY pyproject.toml README.md /tmp/src/
COPY mock_iovox /tmp/src/mock_iovox
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation --no-index /tmp/src \
    && rm -rf /tmp/src
WORKDIR /app

# data (SQLite per environment) and certificates live in volumes and survive restarts
VOLUME ["/app/data", "/app/certs"]
EXPOSE 444

# Requests from the Docker bridge arrive from a private address, which the default users allow.
# Add names clients use to reach the container with MOCK_IOVOX_CERT_NAMES=name1,name2. Configure
# the server with MOCK_IOVOX_* variables (not flags), so that the health check follows them.
ENV MOCK_IOVOX_HOST=0.0.0.0 \
    MOCK_IOVOX_PORT=444 \
    MOCK_IOVOX_DATA_DIR=/app/data \
    MOCK_IOVOX_CERTS_DIR=/app/certs
USER mockiovox

# readiness: the server answers on its port (TLS or --insecure) and its databases answer
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["mock-iovox", "health", "--timeout", "4"]

CMD ["mock-iovox", "serve"]

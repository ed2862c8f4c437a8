# mock-iovox: the IOVOX Enterprise REST API v3.0 sandbox, served over HTTPS on 444.
#   docker build -t mock-iovox .
#   docker run --rm -p 444:444 -v mock-iovox-data:/app/data -v mock-iovox-certs:/app/certs mock-iovox
# Trust the CA it creates on first start:  docker cp <container>:/app/certs/ca.crt .
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# dependencies first, so that code changes do not reinstall them
COPY pyproject.toml README.md ./
COPY mock_iovox ./mock_iovox
RUN pip install .

COPY fixtures ./fixtures

# data (SQLite per environment) and certificates live in volumes and survive restarts
VOLUME ["/app/data", "/app/certs"]
EXPOSE 444

# Requests from the Docker bridge arrive from a private address, which the default users allow.
# Add names clients use to reach the container with MOCK_IOVOX_CERT_NAMES=name1,name2.
ENV MOCK_IOVOX_HOST=0.0.0.0 \
    MOCK_IOVOX_PORT=444 \
    MOCK_IOVOX_DATA_DIR=/app/data \
    MOCK_IOVOX_CERTS_DIR=/app/certs \
    MOCK_IOVOX_FIXTURE=/app/fixtures/default.yaml

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD python -c "import ssl,urllib.request;urllib.request.urlopen('https://localhost:444/__mock__/health',context=ssl.create_default_context(cafile='/app/certs/ca.crt'))" || exit 1

CMD ["mock-iovox", "serve"]

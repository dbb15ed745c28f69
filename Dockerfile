# leadscore as a container: the scheduled sync, the webhook receiver and the queue worker.
# Build: podman build --format docker -t leadscore .   (or docker build -t leadscore .)
# Behind a TLS-intercepting proxy add the proxy's CA bundle as a build secret:
#   --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt
# It is used by pip in one RUN only and is never copied into a layer.

ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim

# --- build: the venv from the hash-pinned runtime lock, then the project without its deps ---
FROM ${DEBIAN_IMAGE} AS build

# Debian's own python3 (bookworm: 3.11, built with PGO/LTO); the versions come with the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements-build.lock requirements-runtime.lock ./

# The CA bundle (id=ca) and a private index URL (id=index, it may carry a token) are secrets:
# mounted for this RUN only, so neither reaches a layer or the image's history.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    --mount=type=secret,id=index,target=/run/secrets/index \
    if [ -s /run/secrets/ca ]; then \
        export PIP_CERT=/run/secrets/ca REQUESTS_CA_BUNDLE=/run/secrets/ca; \
    fi \
    && if [ -s /run/secrets/index ]; then \
        PIP_INDEX_URL="$(cat /run/secrets/index)"; export PIP_INDEX_URL; \
    fi \
    && python3 -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --no-deps -r requirements-build.lock \
    && python3 -m venv /opt/leadscore \
    && /opt/leadscore/bin/pip install --require-hashes --no-deps -r requirements-runtime.lock

COPY pyproject.toml README.md LICENSE ./
COPY connector ./connector
COPY adapters ./adapters
# The project itself, built by the pinned backend in /opt/build (nothing unpinned is fetched)
# and installed --no-deps: every dependency is already there from the lock. pip and the
# venv's setuptools then leave it: the image runs leadscore, it installs nothing.
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/dist . \
    && /opt/leadscore/bin/pip install --no-deps /tmp/dist/leadscore-*.whl \
    && /opt/leadscore/bin/pip uninstall -y setuptools pip

# --- runtime: python3 and the venv, as a non-root user ---
FROM ${DEBIAN_IMAGE}

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 leadscore \
    && useradd --system --uid 10001 --gid leadscore --home-dir /var/lib/leadscore \
        --no-create-home --shell /usr/sbin/nologin leadscore \
    && install -d -o leadscore -g leadscore -m 0750 /var/lib/leadscore

COPY --from=build /opt/leadscore /opt/leadscore
# Defaults only: mount your own config.toml and mappings/ over /etc/leadscore.
COPY config.example.toml /etc/leadscore/config.toml
COPY mappings /etc/leadscore/mappings
# `leadscore run` needs a schedule, which the example (written for `sync`) leaves out.
RUN printf '\n[schedule]\nevery = "15m"\n' >> /etc/leadscore/config.toml

# State on the volume unless LEADSCORE_STATE__URL names PostgreSQL; secrets come from the
# environment at run time (LEADSCORE_WEBHOOKS__SECRET, the CRM's token), never from the image.
# The receiver listens on every interface of the container (127.0.0.1 would be unreachable
# from outside it): the address `leadscore run --host` takes from LEADSCORE_HOST.
ENV PATH=/opt/leadscore/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LEADSCORE_HOST=0.0.0.0 \
    LEADSCORE_STATE__URL=sqlite:////var/lib/leadscore/state.db
VOLUME ["/var/lib/leadscore"]
WORKDIR /var/lib/leadscore
USER 10001:10001
EXPOSE 8000

# Liveness: the receiver's /healthz. Whether the schedule keeps scores fresh is a different
# question, for a monitor: `leadscore status --config ... --healthy-within 2h` (README).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["leadscore"]
CMD ["run", "--config", "/etc/leadscore/config.toml"]

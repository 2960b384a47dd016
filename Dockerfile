# syntax=docker/dockerfile:1
# The llmnet image: `llmnet serve` on plain Node, for Kubernetes (docs/kubernetes.md) or docker run.
# No models are baked in: llama.cpp files go to /data (a volume), vLLM and Ollama run as their
# own model servers. Build: docker build -t llmnet:0.1.0 .

# ── build: the bundled CLI and the production node_modules, native modules built for this base ──
FROM node:22-bookworm-slim AS build
# better-sqlite3 falls back to compiling when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The desktop app's binaries are not needed in a server image.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.node.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build:cli \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "require('better-sqlite3')(':memory:').close()"

# ── runtime: non-root, read-only root file system friendly (writes go to /data and /tmp) ──
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LLMNET_DATA_DIR=/data \
    HOME=/tmp \
    XDG_CONFIG_HOME=/tmp/.config
RUN groupadd --gid 10001 llmnet \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin llmnet \
 && mkdir -p /data /etc/llmnet/pipelines \
 && chown 10001:10001 /data
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/bin ./bin
COPY --from=build --chown=0:0 /app/out/cli ./out/cli
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
USER 10001:10001
VOLUME ["/data", "/tmp"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/llmnet.mjs"]
# A non-loopback --host needs LLMNET_API_KEY (docker run -e LLMNET_API_KEY=…); mount pipelines
# read-only at /etc/llmnet/pipelines.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--stateless", "--pipelines", "/etc/llmnet/pipelines", "--log-format", "json"]

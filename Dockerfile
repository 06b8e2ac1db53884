# Multi-stage build for the roadmap-api server.
#   docker build -t roadmap-api .
#   docker run -p 8000:8000 -e JWT_SECRET=... roadmap-api

# ---- build ------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src

COPY Cargo.toml Cargo.lock ./
COPY entity ./entity
COPY migration ./migration
# bench/ is a workspace member (the benchmark crate): copied so the workspace resolves; the
# release build of the server does not compile it.
COPY bench ./bench
COPY src ./src
# tests/ is declared as a [[test]] target in Cargo.toml; copied so the manifest
# resolves even though the release build does not compile it.
COPY tests ./tests
COPY data ./data
# GraphiQL's files, embedded in the binary (src/http/graphiql/assets.rs).
COPY assets ./assets
# The learner web app's files, embedded in the binary (include_dir!).
COPY web ./web

RUN cargo build --release --locked --bin roadmap-api \
 && strip target/release/roadmap-api

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# Versions are not pinned: bookworm-security replaces them, and pins would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 roadmap \
 && useradd --system --uid 10001 --gid roadmap --home-dir /var/lib/roadmap-api \
      --no-create-home --shell /usr/sbin/nologin roadmap \
 && mkdir -p /var/lib/roadmap-api /app \
 && chown roadmap:roadmap /var/lib/roadmap-api

COPY --from=build /src/target/release/roadmap-api /usr/local/bin/roadmap-api
COPY --from=build /src/data /app/data

WORKDIR /app
ENV LISTEN_ADDR=0.0.0.0:8000 \
    DATA_DIR=/var/lib/roadmap-api
EXPOSE 8000
VOLUME ["/var/lib/roadmap-api"]

# numeric so that runAsNonRoot-style checks can verify it
USER 10001:10001
ENTRYPOINT ["roadmap-api"]
CMD ["serve"]

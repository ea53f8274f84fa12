#!/usr/bin/env bash
# bench/run.sh — ZeroGate load benchmark.
#
# Runs the same wrk load (h2load for the HTTP/2 scenario), in one run, against:
#   direct   — the upstream (an nginx serving a fixed small body), no proxy in between;
#   nginx    — nginx as a plain keep-alive reverse proxy in front of that upstream;
#   <name>   — ZeroGate in front of that upstream, one configuration per named scenario.
#
# Usage: bench/run.sh [SCENARIO...]        (default: every known ZeroGate scenario)
#        bench/run.sh baseline             (direct + nginx only; no ZeroGate needed)
#        bench/run.sh --help
#
# Everything binds to 127.0.0.1 on ports the kernel hands out; every process the script starts is
# stopped on exit, including on failure and Ctrl-C. See docs/benchmarks.md for how to read results.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

# ---------------------------------------------------------------------------------------------
# Knobs (environment)
# ---------------------------------------------------------------------------------------------
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-10}          # seconds per measured run
WARMUP=${BENCH_WARMUP:-6}               # seconds of unrecorded load before every measured run
ROUNDS=${BENCH_ROUNDS:-2}               # nginx/ZeroGate measurements per target (best one reported)
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-120} # seconds to wait for ZeroGate's /readyz (covers a first build)
# HTTP/2 load (h2load): this many connections with this many concurrent streams each; the default
# keeps BENCH_CONNECTIONS requests in flight, as wrk does for HTTP/1.1.
H2_CONNECTIONS=${BENCH_H2_CONNECTIONS:-16}
H2_STREAMS=${BENCH_H2_STREAMS:-4}
OUT_BASE=${BENCH_OUT:-$SCRIPT_DIR/out}
# JVM options for the launcher. Fixed heap so GC sizing does not drift between runs.
# A fixed heap so GC sizing does not drift between runs; compact object headers where the JDK has them (25+).
default_java_opts() {
  local opts="-Xms512m -Xmx512m -XX:+UseParallelGC" home major
  if home=$("$SCRIPT_DIR/../zerogate" --java-home 2>/dev/null); then
    major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
    if [[ -n $major && $major -ge 25 ]]; then
      opts+=" -XX:+UseCompactObjectHeaders"
    fi
  fi
  echo "$opts"
}
export ZEROGATE_JAVA_OPTS=${ZEROGATE_JAVA_OPTS:-$(default_java_opts)}

# ---------------------------------------------------------------------------------------------
# ZeroGate scenarios. To add one (say `h2-push`; in function names a '-' becomes '_'):
#   1. append its name to ZG_SCENARIOS and give it a line in SCENARIO_DESC;
#   2. write config_h2_push FILE — the ZeroGate YAML (may use ZG_PORT, ZG_ADMIN_PORT, UPSTREAM_PORT);
#      it may start helpers with start_group (they are stopped on exit like everything else);
#   3. write scenario_h2_push — sets SC_URL (what wrk loads), SC_HEADERS (request headers every
#      request carries, "Name: value", also sent by the readiness check) and SC_WRK_ARGS (other
#      extra wrk arguments);
#   4. name the nginx it is compared with in SCENARIO_PEER (nginx: the plain reverse proxy;
#      nginx-tls: the same proxy behind TLS; nginx-h2: the same proxy behind TLS speaking HTTP/2,
#      loaded with h2load; nginx-jwt: the plain proxy, loaded with the same bearer token as the jwt
#      scenarios); a scenario loaded with h2load instead of wrk says so in SCENARIO_TOOL;
#   5. optionally write check_h2_push — run once ZeroGate forwards; a non-zero return stops the
#      benchmark (for proving the configuration does what the scenario claims).
# ---------------------------------------------------------------------------------------------
ZG_SCENARIOS=(forward tls h2 jwt jwt-uncached local-limit redis-limit audit full-chain)
declare -A SCENARIO_DESC=(
  [forward]="plain HTTP/1.1 forwarding on a public route (no auth, no limits)"
  [tls]="forwarding behind TLS 1.3 (TLS_AES_128_GCM_SHA256, keep-alive), compared with nginx behind TLS"
  [h2]="HTTP/2 over TLS 1.3 (h2load, several streams per connection), compared with nginx speaking HTTP/2; both forward HTTP/1.1"
  [jwt]="every request carries an RS256 bearer token that ZeroGate verifies (verified-token cache on); nginx forwards it unchecked"
  [jwt-uncached]="as jwt with token_cache_size: 0, so every request pays a full RS256 signature check"
  [local-limit]="as forward plus one GCRA limit counting every request on the embedded store (never refusing)"
  [redis-limit]="as local-limit with the count in a redis-server on loopback (started by the script)"
  [audit]="as forward plus the audit trail: one hash-chained record per request to the file sink, signed checkpoints"
  [full-chain]="every request carries an RS256 token and a device attestation, meets require.device: compliant, passes 3 CEL rules, one local GCRA limit and the audit trail"
)
declare -A SCENARIO_PEER=(
  [forward]=nginx
  [tls]=nginx-tls
  [h2]=nginx-h2
  [jwt]=nginx-jwt
  [jwt-uncached]=nginx-jwt
  [local-limit]=nginx
  [redis-limit]=nginx
  [audit]=nginx
  [full-chain]=nginx
)
# Scenarios that add one thing to another are also compared with it, when both run.
declare -A SCENARIO_BASE=([local-limit]=forward [redis-limit]=forward [audit]=forward [full-chain]=forward)

# The load tool per scenario and per nginx peer; wrk unless named here.
declare -A SCENARIO_TOOL=([h2]=h2load [nginx-h2]=h2load)
tool_of() { echo "${SCENARIO_TOOL[$1]:-wrk}"; }

SC_URL=""
SC_HEADERS=()
SC_WRK_ARGS=()

# Sets HEADER_ARGS to "-H header" pairs for SC_HEADERS; curl and wrk take them alike.
HEADER_ARGS=()
header_args() {
  HEADER_ARGS=()
  local h
  for h in "${SC_HEADERS[@]}"; do HEADER_ARGS+=(-H "$h"); done
}

scenario_forward() {
  SC_URL="http://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=()
  SC_WRK_ARGS=()
}

config_forward() {
  zerogate_yaml "" >"$1"
}

# The benchmark gateway: one listener (with the TLS lines given as $1, if any), the admin listener,
# the top-level sections given as $2 (if any), and routes for every path to the upstream that
# either are public or carry the access line given as $3.
zerogate_yaml() { # LISTENER_TLS_LINES [SECTIONS] [ROUTE_ACCESS_LINE]
  local access=${3:-public: true}
  cat <<EOF
version: 1
listeners:
  - name: bench
    address: 127.0.0.1:$ZG_PORT
$1admin:
  address: 127.0.0.1:$ZG_ADMIN_PORT
  tokens: [{ name: bench, sha256: $ADMIN_TOKEN_SHA256 }]
${2:-}services:
  upstream:
    targets: [http://127.0.0.1:$UPSTREAM_PORT]
    tls: none
routes:
  - id: all
    match: { path: "/{path...}" }
    service: upstream
    $access
  - id: root
    match: { path: "/" }
    service: upstream
    $access
EOF
}

scenario_tls() {
  SC_URL="https://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=()
  SC_WRK_ARGS=()
}

config_tls() {
  zerogate_yaml "    tls:
      certificate: $TMP_DIR/tls/server.crt
      private_key: $TMP_DIR/tls/server.key
      protocols: [TLSv1.3]
" >"$1"
}

# --- h2: HTTP/2 over TLS, loaded with h2load ----------------------------------------------------
# The listener is the tls scenario's; HTTP/2 is on by default on TLS listeners and chosen by ALPN.
scenario_h2() {
  SC_URL="https://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=()
  SC_WRK_ARGS=()
}

config_h2() {
  config_tls "$1"
}

# ALPN must really pick h2 before h2load measures anything.
check_h2() {
  local version
  version=$(curl -sk --http2 -o /dev/null -w '%{http_version}' --max-time 5 "$SC_URL" 2>/dev/null || true)
  if [[ $version != 2 ]]; then
    log "ZeroGate did not answer over HTTP/2 (curl saw HTTP version '$version')"
    return 1
  fi
}

# --- jwt, jwt-uncached: a bearer token on every request ----------------------------------------
# The token comes from `zerogate dev-issuer` (a development OpenID issuer on loopback, started
# once per run from the same launcher); ZeroGate discovers the issuer's keys from it at start-up.
# The identity assertion for the upstream is switched off, so these scenarios measure the token
# check alone.
DEV_ISSUER_URL=""
BENCH_TOKEN=""
BENCH_TOKEN_TTL=3600

config_jwt() {
  ensure_dev_issuer
  mint_bench_token
  jwt_yaml 10000 >"$1"
}

config_jwt_uncached() {
  ensure_dev_issuer
  mint_bench_token
  jwt_yaml 0 >"$1"
}

jwt_yaml() { # TOKEN_CACHE_SIZE
  zerogate_yaml "" "identity:
  token_cache_size: $1
  assertion: { enabled: false }
  issuers:
    - name: bench
      issuer: $DEV_ISSUER_URL
      audiences: [bench]
      algorithms: [RS256]
      max_token_lifetime: 2h
" "authenticate: [bench]"
}

scenario_jwt() {
  SC_URL="http://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=("Authorization: Bearer $BENCH_TOKEN")
  SC_WRK_ARGS=()
}

scenario_jwt_uncached() {
  scenario_jwt
}

# The routes must really demand a valid token: none, or one whose signature was altered, is
# refused with 401. Otherwise the scenario would measure plain forwarding.
check_jwt() {
  local code sig first bad
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SC_URL" 2>/dev/null || true)
  if [[ $code != 401 ]]; then
    log "ZeroGate answered $code to a request without a token (expected 401)"
    return 1
  fi
  # Alter the first signature character: it carries high-order bits, unlike the last one.
  sig=${BENCH_TOKEN##*.}
  first=A
  [[ ${sig:0:1} == A ]] && first=B
  bad=${BENCH_TOKEN%.*}.$first${sig:1}
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $bad" "$SC_URL" 2>/dev/null || true)
  if [[ $code != 401 ]]; then
    log "ZeroGate answered $code to a token with an altered signature (expected 401)"
    return 1
  fi
}

check_jwt_uncached() {
  check_jwt
}

ensure_dev_issuer() {
  [[ -z $DEV_ISSUER_URL ]] || return 0
  local port logfile=$OUT_DIR/dev-issuer.log url code="" deadline
  port=$(free_ports 1)
  [[ -n $port ]] || die "could not pick a port for the development issuer"
  url=http://127.0.0.1:$port
  log "starting the development token issuer on 127.0.0.1:$port; log: $logfile"
  # A small heap and a serial collector: it answers one token request per scenario, then idles
  # beside the load.
  start_group "$logfile" env ZEROGATE_JAVA_OPTS="-Xms32m -Xmx64m -XX:+UseSerialGC" \
    ./zerogate dev-issuer --listen "127.0.0.1:$port"
  local pg=$STARTED_PID
  deadline=$(( SECONDS + READY_TIMEOUT ))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url/.well-known/openid-configuration" 2>/dev/null || true)
    [[ $code == 200 ]] && break
    if ! group_alive "$pg"; then
      tail -n 40 "$logfile" >&2 || true
      die "the development issuer exited before it was ready (log above: $logfile)"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 40 "$logfile" >&2 || true
      die "the development issuer did not answer on $url within ${READY_TIMEOUT}s (log above: $logfile)"
    fi
    sleep 0.25
  done
  DEV_ISSUER_URL=$url
  log "development issuer ready at $url (pid $pg)"
}

# A fresh token for each ZeroGate start (see the BENCH_TOKEN_TTL check for how long one must last).
mint_bench_token() {
  local response
  response=$(curl -sS --max-time 10 -d sub=bench-user -d aud=bench -d scope=bench -d "ttl=$BENCH_TOKEN_TTL" \
    "$DEV_ISSUER_URL/token") || die "no answer from $DEV_ISSUER_URL/token"
  BENCH_TOKEN=$(sed -n 's/.*"access_token":"\([A-Za-z0-9_.-]*\)".*/\1/p' <<<"$response")
  [[ $BENCH_TOKEN =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] \
    || die "the development issuer did not issue a token: $response"
}

# --- local-limit, redis-limit: one GCRA limit on every request -----------------------------------
# The forward configuration plus one global rate limit (so on both routes), keyed by a header every request
# carries, so that all of wrk's requests count against one key. The rate is so high that it never
# refuses during a run: the scenarios measure what counting costs, not what refusing saves. local-limit
# counts in the embedded store; redis-limit in a redis-server the script starts on a loopback port,
# with on_store_error: deny, so a request the store could not count is refused (and shows up as a
# non-2xx in the results) instead of being counted on the gateway alone.
LIMIT_ID=bench
LIMIT_RATE=100000000/1s
LIMIT_HEADER="X-Bench-Caller: bench"
REDIS_PORT=""
REDIS_PGID=""

config_local_limit() {
  mkdir -p "$TMP_DIR/state"
  zerogate_yaml "" "state: { store: local, data_dir: $TMP_DIR/state }
$(limit_lines)
" >"$1"
}

config_redis_limit() {
  ensure_redis
  # A gateway restarted for round 2 must not find round 1's count.
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushall >/dev/null || die "redis-cli could not empty the benchmark Redis"
  zerogate_yaml "" "state: { store: redis, uri: redis://127.0.0.1:$REDIS_PORT, on_store_error: deny }
$(limit_lines)
" >"$1"
}

# The limit as a global one, so that it applies to both routes under one id.
limit_lines() {
  printf 'rate_limits:\n  global:\n    - { id: %s, key: header:%s, rate: %s }\n' \
    "$LIMIT_ID" "${LIMIT_HEADER%%:*}" "$LIMIT_RATE"
}

scenario_local_limit() {
  SC_URL="http://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=("$LIMIT_HEADER")
  SC_WRK_ARGS=()
}

scenario_redis_limit() {
  scenario_local_limit
}

# The limit must really be checked: a response names it in RateLimit-Policy, and the gateway's
# counter of allowed checks of that limit grows by one per request.
config_audit() {
  rm -rf "$TMP_DIR/audit"
  zerogate_yaml "" "audit:
  file: { directory: $TMP_DIR/audit }
" >"$1"
}

scenario_audit() {
  scenario_forward
}

# Auditing must really be on: the request id of a response shows up in a record of the trail.
check_audit() {
  local id
  id=$(curl -s -D - -o /dev/null --max-time 5 "$SC_URL" 2>/dev/null | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
  if [[ -z $id ]]; then
    log "ZeroGate's response carries no X-Request-Id"
    return 1
  fi
  for _ in $(seq 50); do
    if grep -qs "\"request_id\":\"$id\"" "$TMP_DIR"/audit/audit-*.jsonl; then
      return 0
    fi
    sleep 0.1
  done
  log "no audit record for request $id in $TMP_DIR/audit"
  return 1
}

# --- full-chain: every stage of the chain on every request ---------------------------------------
# The jwt scenario's token, plus a device attestation from the same development issuer acting as the
# device management service (a separate audience, compliant facts, the same user as the token), a
# route that requires a compliant device and allows only when three CEL rules hold (a scope, the
# device's facts, the client network), the local-limit scenario's GCRA limit and the audit scenario's
# file trail. Compared with nginx forwarding plainly: what the whole zero-trust chain costs.
BENCH_ATTESTATION=""

config_full_chain() {
  ensure_dev_issuer
  mint_bench_token
  mint_bench_attestation
  mkdir -p "$TMP_DIR/state"
  rm -rf "$TMP_DIR/audit"
  zerogate_yaml "" "identity:
  assertion: { enabled: false }
  issuers:
    - name: bench
      issuer: $DEV_ISSUER_URL
      audiences: [bench]
      algorithms: [RS256]
      max_token_lifetime: 2h
posture:
  attestation:
    header: Device-Attestation
    issuer: $DEV_ISSUER_URL
    jwks_uri: $DEV_ISSUER_URL/jwks
    audience: bench-posture
    algorithms: [RS256]
    max_age: 2h
state: { store: local, data_dir: $TMP_DIR/state }
$(limit_lines)
audit:
  file: { directory: $TMP_DIR/audit }
" "authenticate: [bench]
    require: { device: compliant }
    allow:
      - { id: scope, when: '\"bench\" in subject.scopes' }
      - { id: device, when: 'device.disk_encrypted && device.edr_running' }
      - { id: network, when: 'cidr(network.ip, \"127.0.0.0/8\")' }" >"$1"
}

# An attestation for the benchmark's user and device, as long-lived as the token.
mint_bench_attestation() {
  local response claims='{"device_id":"bench-device","managed":true,"compliant":true,"disk_encrypted":true,"edr_running":true,"os":"Linux"}'
  response=$(curl -sS --max-time 10 -d sub=bench-user -d aud=bench-posture --data-urlencode "claims=$claims" \
    -d "ttl=$BENCH_TOKEN_TTL" "$DEV_ISSUER_URL/token") || die "no answer from $DEV_ISSUER_URL/token"
  BENCH_ATTESTATION=$(sed -n 's/.*"access_token":"\([A-Za-z0-9_.-]*\)".*/\1/p' <<<"$response")
  [[ $BENCH_ATTESTATION =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] \
    || die "the development issuer did not issue an attestation: $response"
}

scenario_full_chain() {
  SC_URL="http://127.0.0.1:$ZG_PORT/"
  SC_HEADERS=("Authorization: Bearer $BENCH_TOKEN" "Device-Attestation: $BENCH_ATTESTATION" "$LIMIT_HEADER")
  SC_WRK_ARGS=()
}

# Every part must really decide: no token, no attestation, or an attestation for another user is
# refused; an allowed request is audited.
check_full_chain() {
  local code other
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Device-Attestation: $BENCH_ATTESTATION" "$SC_URL" 2>/dev/null || true)
  if [[ $code != 401 ]]; then
    log "ZeroGate answered $code to a request without a token (expected 401)"
    return 1
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $BENCH_TOKEN" "$SC_URL" 2>/dev/null || true)
  if [[ $code != 403 ]]; then
    log "ZeroGate answered $code to a request without a device attestation (expected 403)"
    return 1
  fi
  other=$(curl -sS --max-time 10 -d sub=someone-else -d aud=bench-posture \
    --data-urlencode 'claims={"device_id":"d","managed":true,"compliant":true}' "$DEV_ISSUER_URL/token" \
    | sed -n 's/.*"access_token":"\([A-Za-z0-9_.-]*\)".*/\1/p')
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $BENCH_TOKEN" \
    -H "Device-Attestation: $other" "$SC_URL" 2>/dev/null || true)
  if [[ $code != 403 ]]; then
    log "ZeroGate answered $code to another user's device attestation (expected 403)"
    return 1
  fi
  check_audit
}

check_local_limit() {
  local headers before after
  header_args
  headers=$(curl -s -D - -o /dev/null --max-time 5 "${HEADER_ARGS[@]}" "$SC_URL" 2>/dev/null || true)
  if ! grep -qi "^RateLimit-Policy: \"$LIMIT_ID\";" <<<"$headers"; then
    log "ZeroGate's response does not name the limit in RateLimit-Policy; its head was:"
    printf '%s\n' "$headers" >&2
    return 1
  fi
  before=$(limit_checks_allowed)
  for _ in 1 2 3; do curl -s -o /dev/null --max-time 5 "${HEADER_ARGS[@]}" "$SC_URL" || true; done
  after=$(limit_checks_allowed)
  if [[ -z $before || -z $after ]] || (( after - before != 3 )); then
    log "the limit counted '$before' then '$after' allowed requests around 3 requests (expected 3 more)"
    return 1
  fi
}

# As local-limit, and the count must be in Redis: the store is not degraded to counting on the
# gateway alone, the limit script ran in Redis for the requests, and Redis held the limit's key. At the
# benchmark's rate a key lives for a millisecond after the last request (its bucket is empty again
# by then), so a key Redis has already expired counts as held.
check_redis_limit() {
  local metrics keys expired calls_before calls_after
  calls_before=$(redis_evalsha_calls)
  check_local_limit || return 1
  calls_after=$(redis_evalsha_calls)
  metrics=$(admin_metrics)
  if ! grep -q '^zerogate_limit_store_degraded 0' <<<"$metrics"; then
    log "ZeroGate reports its limit store as degraded (or does not report it):"
    grep '^zerogate_limit_store' <<<"$metrics" >&2 || true
    return 1
  fi
  if [[ ! $calls_before =~ ^[0-9]+$ || ! $calls_after =~ ^[0-9]+$ ]] || (( calls_after <= calls_before )); then
    log "the limit script ran '$calls_before' then '$calls_after' times in the benchmark Redis around limited requests (expected more)"
    return 1
  fi
  keys=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" dbsize 2>/dev/null || true)
  expired=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info stats 2>/dev/null | tr -d '\r' | sed -n 's/^expired_keys://p')
  if [[ ! $keys =~ ^[0-9]+$ || ! $expired =~ ^[0-9]+$ ]] || (( keys + expired < 1 )); then
    log "the benchmark Redis holds '$keys' keys and expired '$expired' after limited requests (expected at least 1)"
    return 1
  fi
}

# How many times the benchmark Redis has run a script by its digest (empty when it cannot be asked).
redis_evalsha_calls() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info commandstats 2>/dev/null | tr -d '\r' \
    | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}

# Prints the gateway's count of allowed checks of the benchmark limit (empty when it has none).
limit_checks_allowed() {
  admin_metrics \
    | awk -v id="$LIMIT_ID" '$1 ~ /^zerogate_limit_checks_total\{/ && index($1, "limit=\"" id "\"") \
        && index($1, "outcome=\"allowed\"") { printf "%d\n", $2 }'
}

# ZeroGate's metrics, read from its admin listener with the run's admin token (empty when unreachable).
admin_metrics() {
  curl -s --max-time 5 -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$ZG_ADMIN_PORT/metrics" 2>/dev/null || true
}

# One redis-server for the run: no persistence, its files in the run's temporary directory.
ensure_redis() {
  [[ -z $REDIS_PORT ]] || return 0
  local port logfile=$OUT_DIR/redis.log i
  port=$(free_ports 1)
  [[ -n $port ]] || die "could not pick a port for Redis"
  mkdir -p "$TMP_DIR/redis"
  log "starting redis-server on 127.0.0.1:$port; log: $logfile"
  start_group "$logfile" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$TMP_DIR/redis"
  REDIS_PGID=$STARTED_PID
  for (( i = 0; i < 100; i++ )); do
    [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true) == PONG ]] && break
    if ! group_alive "$REDIS_PGID"; then
      tail -n 40 "$logfile" >&2 || true
      die "redis-server exited before it answered PING (log above: $logfile)"
    fi
    sleep 0.1
  done
  [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true) == PONG ]] \
    || die "redis-server did not answer PING on 127.0.0.1:$port within 10s (log: $logfile)"
  REDIS_PORT=$port
  log "redis-server ready on 127.0.0.1:$port (pid $REDIS_PGID)"
}

# A throw-away EC P-256 certificate for localhost/127.0.0.1, shared by nginx-tls and ZeroGate.
make_tls_material() {
  mkdir -p "$TMP_DIR/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TMP_DIR/tls/server.key" -out "$TMP_DIR/tls/server.crt" >/dev/null 2>&1 \
    || die "openssl could not make the benchmark certificate"
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench/run.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: bench/run.sh [SCENARIO...]

Measures the upstream directly and nginx as a keep-alive reverse proxy (always), then ZeroGate
in each named scenario (default: all). 'baseline' measures only direct and nginx.

Scenarios:
  baseline     direct + nginx only (self-test; ZeroGate not needed)
EOF
  local s
  for s in "${ZG_SCENARIOS[@]}"; do printf '  %-12s %s\n' "$s" "${SCENARIO_DESC[$s]}"; done
  cat <<EOF

Environment: BENCH_THREADS=$THREADS BENCH_CONNECTIONS=$CONNECTIONS BENCH_DURATION=$DURATION
             BENCH_H2_CONNECTIONS=$H2_CONNECTIONS BENCH_H2_STREAMS=$H2_STREAMS (h2load: connections, streams each)
             BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS BENCH_READY_TIMEOUT=$READY_TIMEOUT
             BENCH_OUT=<dir> ZEROGATE_JAVA_OPTS="$ZEROGATE_JAVA_OPTS"
EOF
}

require_int() { # NAME VALUE MIN MAX
  if [[ $2 =~ ^[0-9]+$ ]] && (( 10#$2 >= $3 && 10#$2 <= $4 )); then return 0; fi
  printf 'bench/run.sh: error: %s=%s (expected: an integer in %s..%s)\n' "$1" "$2" "$3" "$4" >&2
  exit 2
}

# --- process management ----------------------------------------------------------------------
# Every long-running process is started through setsid, so it leads its own process group and
# anything it forks (nginx workers, the JVM behind the launcher script, a Maven build) can be
# stopped together by group id — and only that group.
GROUPS_STARTED=()
STARTED_PID=""

start_group() { # LOGFILE CMD...
  local logfile=$1; shift
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  STARTED_PID=$!
  GROUPS_STARTED+=("$STARTED_PID")
}

group_alive() { # PGID — true while any non-zombie process is left in the group
  local pg=$1 f line state pgrp
  for f in /proc/[0-9]*/stat; do
    # read, not $(<file): a process can vanish mid-scan, and a failed $(<file) ends the whole
    # script under set -e even with "|| continue".
    { read -r line <"$f"; } 2>/dev/null || continue
    # Fields after "(comm)": state ppid pgrp ...; comm may contain spaces, so cut at the last ')'.
    read -r state _ pgrp _ <<<"${line##*) }"
    [[ $pgrp == "$pg" && $state != Z ]] && return 0
  done
  return 1
}

# CPU time (user + system, in clock ticks) of every process in a group so far: the proxy under test,
# all its threads or workers. Read around a measured run, it gives the CPU each request cost, which
# other work on the machine disturbs far less than it disturbs throughput.
group_cpu_ticks() { # PGID
  awk -v pg="$1" '{ sub(/^.*\) /, ""); if ($3 == pg) t += $12 + $13 } END { printf "%d\n", t }' \
    /proc/[0-9]*/stat 2>/dev/null || true
}
CLK_TCK=$(getconf CLK_TCK)

stop_group() { # PGID
  local pg=$1 i
  if group_alive "$pg"; then
    kill -TERM -- "-$pg" 2>/dev/null || true
    for (( i = 0; i < 50; i++ )); do      # up to ~10 s for a graceful stop
      group_alive "$pg" || break
      sleep 0.2
    done
    if group_alive "$pg"; then
      log "process group $pg did not stop on TERM; killing it"
      kill -KILL -- "-$pg" 2>/dev/null || true
    fi
  fi
  wait "$pg" 2>/dev/null || true
  local kept=() g
  for g in "${GROUPS_STARTED[@]}"; do [[ $g == "$pg" ]] || kept+=("$g"); done
  GROUPS_STARTED=("${kept[@]}")
}

TMP_DIR=""
SUDO=()
POLICY_RC_CREATED=0

remove_policy_rc() {
  if (( POLICY_RC_CREATED )); then
    "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d || true
    POLICY_RC_CREATED=0
  fi
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [[ -n ${WRK_PID:-} ]]; then
    kill -TERM "$WRK_PID" 2>/dev/null || true
    wait "$WRK_PID" 2>/dev/null || true
  fi
  for (( i = ${#GROUPS_STARTED[@]} - 1; i >= 0; i-- )); do
    stop_group "${GROUPS_STARTED[i]}"
  done
  remove_policy_rc
  [[ -n $TMP_DIR ]] && rm -rf "$TMP_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -----------------------------------------------------------------------------------
NGINX=""

ensure_tools() {
  local missing=() sc
  command -v wrk >/dev/null || missing+=(wrk)
  for sc in "${SELECTED[@]}"; do
    if [[ $(tool_of "$sc") == h2load ]] && ! command -v h2load >/dev/null; then
      missing+=(nghttp2-client)
      break
    fi
  done
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v curl >/dev/null || missing+=(curl)
  command -v setsid >/dev/null || missing+=(util-linux)
  if [[ " ${SELECTED[*]} " == *" redis-limit "* ]]; then
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  fi
  if (( ${#missing[@]} )); then
    if (( EUID != 0 )); then
      command -v sudo >/dev/null || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
      SUDO=(sudo)
    fi
    log "installing ${missing[*]} from Debian packages"
    # The nginx package would start the system nginx on port 80 when it is installed. A
    # policy-rc.d that answers 101 ("action forbidden") is Debian's way to prevent that; we add
    # one only for the install and only if the machine has none.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
      "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
      POLICY_RC_CREATED=1
    fi
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    remove_policy_rc
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  # -e (startup error log path) appeared in nginx 1.19.5; without it nginx writes to
  # /var/log/nginx before it has read our config.
  local help
  help=$("$NGINX" -h 2>&1 || true)
  [[ $help == *"-e filename"* ]] || die "$NGINX is too old: nginx 1.19.5 or later is needed (for -e)"
}

# --- ports -----------------------------------------------------------------------------------
free_ports() { # N — prints N distinct loopback ports that are free right now
  local n=$1
  if command -v python3 >/dev/null; then
    # Bind all N to port 0 at once so the kernel picks them and they are distinct.
    python3 - "$n" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    return
  fi
  # Fallback: probe random ports below the usual ephemeral range; a refused connect means free.
  local ports=() p i
  for (( i = 0; i < 500 && ${#ports[@]} < n; i++ )); do
    p=$(( 20000 + RANDOM % 12000 ))
    [[ " ${ports[*]} " == *" $p "* ]] && continue
    if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ports+=("$p"); fi
  done
  (( ${#ports[@]} == n )) || die "could not find $n free loopback ports"
  echo "${ports[*]}"
}

# --- nginx -----------------------------------------------------------------------------------
# Common top of both nginx configs: everything (pid, logs, temp files) under the instance's own
# prefix, so nothing touches /etc/nginx, /var/log/nginx or /run.
nginx_common() { # PREFIX WORKERS
  cat <<EOF
worker_processes $2;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_timeout 65s;
  # wrk keeps its connections for the whole run; nginx's default (1000 requests) would make it
  # reconnect all the time, which measures connection setup instead of proxying.
  keepalive_requests 1000000;
EOF
}

write_upstream_conf() { # PREFIX PORT
  {
    nginx_common "$1" 1
    cat <<EOF
  server {
    listen 127.0.0.1:$2;
    location / {
      return 200 "hello from upstream\n";
    }
  }
}
EOF
  } >"$1/nginx.conf"
}

write_proxy_conf() { # PREFIX PORT UPSTREAM_PORT
  {
    # 2 workers: the machine has 2 cores and ZeroGate runs 2 event loops.
    nginx_common "$1" 2
    cat <<EOF
  upstream backend {
    server 127.0.0.1:$3;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  } >"$1/nginx.conf"
}

write_proxy_tls_conf() { # PREFIX PORT UPSTREAM_PORT
  {
    nginx_common "$1" 2
    cat <<EOF
  upstream backend {
    server 127.0.0.1:$3;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$2 ssl;
    ssl_certificate $TMP_DIR/tls/server.crt;
    ssl_certificate_key $TMP_DIR/tls/server.key;
    ssl_protocols TLSv1.3;
    # The suite ZeroGate's BoringSSL picks, so both sides do the same cryptography.
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  } >"$1/nginx.conf"
}

# nginx before 1.25.1 turns HTTP/2 on with a listen parameter; later ones with "http2 on".
nginx_http2_lines() { # PORT — prints the listen line(s) of an HTTP/2 TLS server
  local v
  v=$("$NGINX" -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  if [[ -n $v ]] && printf '%s\n%s\n' 1.25.1 "$v" | sort -V -C; then
    printf '    listen 127.0.0.1:%s ssl;\n    http2 on;\n' "$1"
  else
    printf '    listen 127.0.0.1:%s ssl http2;\n' "$1"
  fi
}

write_proxy_h2_conf() { # PREFIX PORT UPSTREAM_PORT
  {
    nginx_common "$1" 2
    cat <<EOF
  upstream backend {
    server 127.0.0.1:$3;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
$(nginx_http2_lines "$2")
    ssl_certificate $TMP_DIR/tls/server.crt;
    ssl_certificate_key $TMP_DIR/tls/server.key;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    # As many streams per connection as ZeroGate allows by default.
    http2_max_concurrent_streams 100;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  } >"$1/nginx.conf"
}

# Waits until GET URL (with the extra curl arguments, if any) answers 200 with the upstream's
# body. Returns non-zero on timeout or when process group PGID has died.
wait_http_ok() { # URL PGID SECONDS [CURL_ARGS...]
  local url=$1 pg=$2 seconds=$3 deadline=$(( SECONDS + $3 )) i body
  shift 3
  for (( i = 0; i < seconds * 10; i++ )); do
    if body=$(curl -fsSk --max-time 2 "$@" "$url" 2>/dev/null) && [[ $body == *"hello from upstream"* ]]; then
      return 0
    fi
    group_alive "$pg" || return 1
    (( SECONDS < deadline )) || return 1
    sleep 0.1
  done
  return 1
}

start_nginx() { # NAME PORT [SCHEME] — the config must already be in $TMP_DIR/NAME/nginx.conf
  local name=$1 port=$2 scheme=${3:-http} prefix=$TMP_DIR/$1
  cp "$prefix/nginx.conf" "$OUT_DIR/nginx-$name.conf"
  # -e: the startup error log; without it nginx opens its compiled-in /var/log/nginx/error.log.
  start_group "$OUT_DIR/nginx-$name.stdout" "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log"
  local pg=$STARTED_PID
  if ! wait_http_ok "$scheme://127.0.0.1:$port/" "$pg" 10; then
    cat "$prefix/error.log" "$OUT_DIR/nginx-$name.stdout" >&2 2>/dev/null || true
    die "nginx ($name) did not come up on 127.0.0.1:$port"
  fi
  log "nginx ($name) ready on 127.0.0.1:$port (pid $pg)"
  NGINX_PG[$name]=$pg
}
declare -A NGINX_PG=()

# --- ZeroGate --------------------------------------------------------------------------------
ZG_PORT=""
ZG_ADMIN_PORT=""
# The admin API takes no call without a credential: each run makes a token for its metric reads.
ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
ADMIN_TOKEN_SHA256=$(printf '%s' "$ADMIN_TOKEN" | sha256sum | cut -d' ' -f1)
ZG_PGID=""
ZG_RUNNING=""   # scenario whose ZeroGate is up, if any
ZG_STARTS=0

start_zerogate() { # SCENARIO
  local sc=$1 yaml logfile ports
  [[ -x $ROOT/zerogate ]] || die "ZeroGate launcher not found: $ROOT/zerogate (expected an executable script at the repository root; run 'bench/run.sh baseline' to measure only direct and nginx)"
  ports=$(free_ports 2)
  read -r ZG_PORT ZG_ADMIN_PORT <<<"$ports"
  [[ -n $ZG_PORT && -n $ZG_ADMIN_PORT ]] || die "could not pick ports for ZeroGate"
  yaml=$OUT_DIR/zerogate-$sc.yaml
  "config_${sc//-/_}" "$yaml"
  "scenario_${sc//-/_}"
  ZG_STARTS=$(( ZG_STARTS + 1 ))
  logfile=$OUT_DIR/zerogate-$sc.start$ZG_STARTS.log
  log "starting ZeroGate ($sc) on 127.0.0.1:$ZG_PORT, admin 127.0.0.1:$ZG_ADMIN_PORT; log: $logfile"
  # The launcher is run from the repository root, as documented for it.
  start_group "$logfile" ./zerogate run --config "$yaml"
  ZG_PGID=$STARTED_PID
  ZG_RUNNING=$sc

  local deadline=$(( SECONDS + READY_TIMEOUT )) i code=""
  for (( i = 0; i < READY_TIMEOUT * 4; i++ )); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$ZG_ADMIN_PORT/readyz" 2>/dev/null || true)
    [[ $code == 200 ]] && break
    if ! group_alive "$ZG_PGID"; then
      tail -n 40 "$logfile" >&2 || true
      die "ZeroGate ($sc) exited before it was ready (log above: $logfile)"
    fi
    (( SECONDS < deadline )) || break
    sleep 0.25
  done
  if [[ $code != 200 ]]; then
    tail -n 40 "$logfile" >&2 || true
    [[ -n $code && $code != 000 ]] || code="no answer"
    die "ZeroGate ($sc) not ready after ${READY_TIMEOUT}s: /readyz gave $code (log above: $logfile)"
  fi
  # Ready is not enough: check that it actually forwards before loading it.
  header_args
  if ! wait_http_ok "$SC_URL" "$ZG_PGID" 10 "${HEADER_ARGS[@]}"; then
    tail -n 40 "$logfile" >&2 || true
    die "ZeroGate ($sc) is ready but GET $SC_URL did not return the upstream's 200 (log above: $logfile)"
  fi
  if declare -F "check_${sc//-/_}" >/dev/null && ! "check_${sc//-/_}"; then
    tail -n 40 "$logfile" >&2 || true
    die "ZeroGate ($sc) does not behave as the scenario requires (log above: $logfile)"
  fi
  log "ZeroGate ($sc) ready"
}

stop_zerogate() {
  [[ -n $ZG_RUNNING ]] || return 0
  log "stopping ZeroGate ($ZG_RUNNING)"
  stop_group "$ZG_PGID"
  ZG_RUNNING=""
  ZG_PGID=""
}

# --- wrk and its output ----------------------------------------------------------------------
WRK_PID=""

# wrk catches SIGINT itself and exits normally, and bash then carries on as if nothing happened.
# Running it in the background and waiting lets a Ctrl-C or TERM reach our trap at once; the
# cleanup then stops wrk too.
run_wrk() { # OUTFILE WRK_ARGS...
  local outfile=$1 rc=0; shift
  wrk "$@" >"$outfile" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  return "$rc"
}
# Prints "rps p50_ms p99_ms non2xx socket_errors" for one wrk output file ("NA" when missing).
parse_wrk() { # FILE
  awk '
    function to_ms(v,   n, u) {
      n = v + 0
      u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return ""
    }
    $1 == "Requests/sec:" { rps = $2 }
    $1 == "50%" { p50 = to_ms($2) }
    $1 == "99%" { p99 = to_ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ {             # "Socket errors: connect 0, read 0, write 0, timeout 0"
      for (i = 3; i <= NF; i++) { x = $i; gsub(/,/, "", x); if (x ~ /^[0-9]+$/) sock += x }
    }
    END {
      printf "%s %s %s %d %d\n", (rps == "" ? "NA" : rps),
        (p50 == "" ? "NA" : sprintf("%.3f", p50)), (p99 == "" ? "NA" : sprintf("%.3f", p99)),
        non2xx + 0, sock + 0
    }' "$1"
}

# Results, keyed "TARGET#ROUND" (TARGET: direct, nginx or a scenario name).
declare -A R_RPS=() R_P50=() R_P99=() R_NON2XX=() R_SOCK=() R_RC=() R_CPU=()

measure() { # TARGET ROUND URL [WRK_ARGS...]
  local target=$1 round=$2 url=$3; shift 3
  local base=$OUT_DIR/wrk-$target.r$round rc=0 parsed rps p50 p99 non2xx sock pg cpu0=""
  if (( WARMUP > 0 )); then
    log "$target round $round: warm-up ${WARMUP}s"
    run_wrk "$base.warmup.txt" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" || true
  fi
  log "$target round $round: measuring ${DURATION}s"
  pg=$(proxy_group "$target")
  [[ -n $pg ]] && cpu0=$(group_cpu_ticks "$pg")
  run_wrk "$base.txt" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" || rc=$?
  R_CPU[$target#$round]=NA
  if [[ -n $cpu0 ]]; then
    R_CPU[$target#$round]=$(cpu_per_request "$cpu0" "$(group_cpu_ticks "$pg")" "$base.txt")
  fi
  parsed=$(parse_wrk "$base.txt")
  read -r rps p50 p99 non2xx sock <<<"$parsed"
  R_RPS[$target#$round]=$rps R_P50[$target#$round]=$p50 R_P99[$target#$round]=$p99
  R_NON2XX[$target#$round]=$non2xx R_SOCK[$target#$round]=$sock R_RC[$target#$round]=$rc
  log "$target round $round: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, socket errors $sock, CPU ${R_CPU[$target#$round]} us/request"
}

# The process group of what a target measures: the ZeroGate JVM, or the nginx proxy a peer loads;
# empty for the upstream measured directly.
proxy_group() { # TARGET
  case $1 in
    direct) echo "" ;;
    nginx|nginx-jwt) echo "${NGINX_PG[proxy]:-}" ;;
    nginx-tls) echo "${NGINX_PG[proxy-tls]:-}" ;;
    nginx-h2) echo "${NGINX_PG[proxy-h2]:-}" ;;
    *) echo "$ZG_PGID" ;;
  esac
}

# Microseconds of CPU per request, from the ticks before and after a wrk run and its request count.
cpu_per_request() { # TICKS_BEFORE TICKS_AFTER WRK_OUTPUT
  awk -v t0="$1" -v t1="$2" -v hz="$CLK_TCK" '
    / requests in / { n = $1 }
    END { if (n > 0 && hz > 0) printf "%.1f\n", (t1 - t0) / hz * 1e6 / n; else print "NA" }' "$3"
}

# --- h2load and its output ---------------------------------------------------------------------
run_h2load() { # OUTFILE H2LOAD_ARGS...
  local outfile=$1 rc=0; shift
  h2load "$@" >"$outfile" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  return "$rc"
}

# Prints "rps p50_ms p99_ms non2xx errors" for one h2load output file and its per-request log
# (h2load reports no percentiles itself; its log has each request's time to the end of the response).
parse_h2load() { # OUTFILE LOGFILE
  local rps non2xx errors p50 p99
  read -r rps non2xx errors < <(awk '
    $1 == "finished" { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^req\/s/) { r = $i } }
    $1 == "requests:" { for (i = 2; i < NF; i++) { x = $i; gsub(/,/, "", x)
                          if ($(i + 1) ~ /^(failed|errored|timeout)/) err += x } }
    $1 == "status" && $2 == "codes:" { for (i = 3; i < NF; i++) { x = $i; gsub(/,/, "", x)
                          if ($(i + 1) ~ /^[45]xx/) bad += x } }
    END { printf "%s %d %d\n", (r == "" ? "NA" : r), bad + 0, err + 0 }' "$1")
  if [[ -s $2 ]]; then
    read -r p50 p99 < <(awk -F'\t' '{ print $3 }' "$2" | sort -n | awk '{ v[NR] = $1 } END {
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
        printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
  else
    p50=NA p99=NA
  fi
  echo "$rps $p50 $p99 $non2xx $errors"
}

measure_h2load() { # TARGET ROUND URL
  local target=$1 round=$2 url=$3
  local base=$OUT_DIR/h2load-$target.r$round rc=0 parsed rps p50 p99 non2xx sock
  local load=(-t"$THREADS" -c"$H2_CONNECTIONS" -m"$H2_STREAMS")
  if (( WARMUP > 0 )); then
    log "$target round $round: warm-up ${WARMUP}s"
    run_h2load "$base.warmup.txt" "${load[@]}" -D"$WARMUP" "$url" || true
  fi
  log "$target round $round: measuring ${DURATION}s"
  local pg cpu0=""
  pg=$(proxy_group "$target")
  [[ -n $pg ]] && cpu0=$(group_cpu_ticks "$pg")
  run_h2load "$base.txt" "${load[@]}" -D"$DURATION" --log-file="$base.log" "$url" || rc=$?
  R_CPU[$target#$round]=NA
  if [[ -n $cpu0 && -s $base.log ]]; then
    R_CPU[$target#$round]=$(awk -v t0="$cpu0" -v t1="$(group_cpu_ticks "$pg")" -v hz="$CLK_TCK" \
      'END { if (NR > 0 && hz > 0) printf "%.1f\n", (t1 - t0) / hz * 1e6 / NR; else print "NA" }' "$base.log")
  fi
  parsed=$(parse_h2load "$base.txt" "$base.log")
  rm -f "$base.log"
  read -r rps p50 p99 non2xx sock <<<"$parsed"
  R_RPS[$target#$round]=$rps R_P50[$target#$round]=$p50 R_P99[$target#$round]=$p99
  R_NON2XX[$target#$round]=$non2xx R_SOCK[$target#$round]=$sock R_RC[$target#$round]=$rc
  log "$target round $round: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, errors $sock"
}

run_is_bad() { # KEY
  [[ ${R_RC[$1]} != 0 || ${R_RPS[$1]} == NA || ${R_P50[$1]} == NA || ${R_P99[$1]} == NA \
     || ${R_NON2XX[$1]} != 0 || ${R_SOCK[$1]} != 0 ]]
}

# Picks the round with the highest req/s for TARGET; sets BEST (a key) and BAD_NOTE (problems
# seen in any round of TARGET, empty when all were clean).
BEST=""
BAD_NOTE=""
pick_best() { # TARGET ROUNDS
  local target=$1 n=$2 r key best_rps=-1
  BEST="" BAD_NOTE=""
  for (( r = 1; r <= n; r++ )); do
    key=$target#$r
    [[ -n ${R_RPS[$key]+x} ]] || continue
    if run_is_bad "$key"; then
      BAD_NOTE+="r$r:"
      [[ ${R_RC[$key]} != 0 ]] && BAD_NOTE+=" wrk-exit=${R_RC[$key]}"
      [[ ${R_RPS[$key]} == NA || ${R_P99[$key]} == NA ]] && BAD_NOTE+=" unparsed-output"
      [[ ${R_NON2XX[$key]} != 0 ]] && BAD_NOTE+=" non-2xx=${R_NON2XX[$key]}"
      [[ ${R_SOCK[$key]} != 0 ]] && BAD_NOTE+=" socket-errors=${R_SOCK[$key]}"
      BAD_NOTE+="; "
    fi
    if [[ ${R_RPS[$key]} != NA ]] && awk -v a="${R_RPS[$key]}" -v b="$best_rps" 'BEGIN { exit !(a > b) }'; then
      best_rps=${R_RPS[$key]}
      BEST=$key
    fi
  done
  [[ -n $BEST ]] || BEST=$target#1
}

ratio() { # NUMERATOR DENOMINATOR
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "NA" || b == "NA" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
SELECTED=()
for arg in "$@"; do
  case $arg in
    -h|--help) usage; exit 0 ;;
    baseline) ;;   # direct and nginx are always measured
    *)
      known=0
      for s in "${ZG_SCENARIOS[@]}"; do [[ $arg == "$s" ]] && known=1; done
      if (( ! known )); then
        printf 'bench/run.sh: error: unknown scenario "%s" (known: baseline %s)\n' "$arg" "${ZG_SCENARIOS[*]}" >&2
        exit 2
      fi
      [[ " ${SELECTED[*]} " == *" $arg "* ]] || SELECTED+=("$arg")
      ;;
  esac
done
(( $# > 0 )) || SELECTED=("${ZG_SCENARIOS[@]}")

require_int BENCH_THREADS "$THREADS" 1 64
require_int BENCH_CONNECTIONS "$CONNECTIONS" "$THREADS" 10000
require_int BENCH_DURATION "$DURATION" 1 3600
require_int BENCH_WARMUP "$WARMUP" 0 3600
require_int BENCH_ROUNDS "$ROUNDS" 1 10
require_int BENCH_READY_TIMEOUT "$READY_TIMEOUT" 1 3600
require_int BENCH_H2_CONNECTIONS "$H2_CONNECTIONS" "$THREADS" 10000
require_int BENCH_H2_STREAMS "$H2_STREAMS" 1 1000
THREADS=$((10#$THREADS)) CONNECTIONS=$((10#$CONNECTIONS)) DURATION=$((10#$DURATION))
WARMUP=$((10#$WARMUP)) ROUNDS=$((10#$ROUNDS)) READY_TIMEOUT=$((10#$READY_TIMEOUT))
H2_CONNECTIONS=$((10#$H2_CONNECTIONS)) H2_STREAMS=$((10#$H2_STREAMS))

# A jwt scenario's token is minted when its ZeroGate starts and must outlive everything that one
# start may wait through and serve: at most 6 runs (warm-up included) when it is the scenario
# started early, which idles through direct and up to three nginx peers before its two runs.
for sc in "${SELECTED[@]}"; do
  if [[ $sc == jwt* ]] && (( 6 * (WARMUP + DURATION) + 300 > BENCH_TOKEN_TTL )); then
    printf 'bench/run.sh: error: BENCH_WARMUP + BENCH_DURATION = %s s is too long for scenario %s (expected: at most %s s, so that its %s s token outlives the runs one gateway start serves)\n' \
      "$(( WARMUP + DURATION ))" "$sc" "$(( (BENCH_TOKEN_TTL - 300) / 6 ))" "$BENCH_TOKEN_TTL" >&2
    exit 2
  fi
done

# Fail early, before installing or starting anything, when ZeroGate is needed but absent.
if (( ${#SELECTED[@]} )) && [[ ! -x $ROOT/zerogate ]]; then
  die "ZeroGate launcher not found: $ROOT/zerogate (expected an executable script at the repository root; run 'bench/run.sh baseline' to measure only direct and nginx)"
fi

cd "$ROOT"
ensure_tools

mkdir -p "$OUT_BASE"
stamp=$(date +%Y%m%d-%H%M%S)
OUT_DIR=$OUT_BASE/$stamp
for (( i = 2; i < 100; i++ )); do
  mkdir "$OUT_DIR" 2>/dev/null && break
  OUT_DIR=$OUT_BASE/$stamp-$i
done
[[ -d $OUT_DIR ]] || die "could not create an output directory under $OUT_BASE"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zerogate-bench.XXXXXX")
# nginx started as root runs its workers as nobody; they must be able to reach their temp dirs.
chmod 755 "$TMP_DIR"
mkdir "$TMP_DIR/upstream" "$TMP_DIR/proxy"

declare -A wanted_peers=([nginx]=1)
for sc in "${SELECTED[@]}"; do wanted_peers[${SCENARIO_PEER[$sc]}]=1; done
peer_count=${#wanted_peers[@]}
measured_runs=$(( 1 + ROUNDS * (peer_count + ${#SELECTED[@]}) ))
log "output: $OUT_DIR"
log "scenarios: direct nginx ${SELECTED[*]}; ${measured_runs} runs of ${WARMUP}s warm-up + ${DURATION}s," \
    "about $(( measured_runs * (WARMUP + DURATION) ))s of load plus start-up"

ports=$(free_ports 3)
read -r UPSTREAM_PORT PROXY_PORT PROXY_TLS_PORT <<<"$ports"
PROXY_H2_PORT=$(free_ports 1)
[[ -n $UPSTREAM_PORT && -n $PROXY_PORT && -n $PROXY_TLS_PORT ]] || die "could not pick ports for nginx"
write_upstream_conf "$TMP_DIR/upstream" "$UPSTREAM_PORT"
write_proxy_conf "$TMP_DIR/proxy" "$PROXY_PORT" "$UPSTREAM_PORT"
start_nginx upstream "$UPSTREAM_PORT"
start_nginx proxy "$PROXY_PORT"

# The nginx peers the selected scenarios are compared with, in a stable order.
PEERS=(nginx)
declare -A PEER_URL=([nginx]="http://127.0.0.1:$PROXY_PORT/")
declare -A PEER_HEADER=()
for sc in "${SELECTED[@]}"; do
  if [[ ${SCENARIO_PEER[$sc]} == nginx-tls && -z ${PEER_URL[nginx-tls]:-} ]]; then
    [[ -f $TMP_DIR/tls/server.crt ]] || make_tls_material
    mkdir -p "$TMP_DIR/proxy-tls"
    write_proxy_tls_conf "$TMP_DIR/proxy-tls" "$PROXY_TLS_PORT" "$UPSTREAM_PORT"
    start_nginx proxy-tls "$PROXY_TLS_PORT" https
    PEERS+=(nginx-tls)
    PEER_URL[nginx-tls]="https://127.0.0.1:$PROXY_TLS_PORT/"
  fi
  if [[ ${SCENARIO_PEER[$sc]} == nginx-h2 && -z ${PEER_URL[nginx-h2]:-} ]]; then
    [[ -f $TMP_DIR/tls/server.crt ]] || make_tls_material
    mkdir -p "$TMP_DIR/proxy-h2"
    write_proxy_h2_conf "$TMP_DIR/proxy-h2" "$PROXY_H2_PORT" "$UPSTREAM_PORT"
    start_nginx proxy-h2 "$PROXY_H2_PORT" https
    PEERS+=(nginx-h2)
    PEER_URL[nginx-h2]="https://127.0.0.1:$PROXY_H2_PORT/"
  fi
  if [[ ${SCENARIO_PEER[$sc]} == nginx-jwt && -z ${PEER_URL[nginx-jwt]:-} ]]; then
    # nginx passes the header on unchecked; a real token keeps the request size the same.
    ensure_dev_issuer
    mint_bench_token
    PEERS+=(nginx-jwt)
    PEER_URL[nginx-jwt]="http://127.0.0.1:$PROXY_PORT/"
    PEER_HEADER[nginx-jwt]="Authorization: Bearer $BENCH_TOKEN"
  fi
done

{
  echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:      $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "host:        $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "load avg:    $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nginx:       $("$NGINX" -v 2>&1)"
  echo "wrk:         $(wrk -v 2>&1 | head -n 1 || true)"
  echo "java:        $(jh="$("$ROOT/zerogate" --java-home 2>/dev/null)" && "$jh/bin/java" -version 2>&1 | head -n 1 || echo 'no JDK 21+ found')"
  echo "load:        wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, after ${WARMUP}s warm-up per run"
  if [[ -n ${PEER_URL[nginx-h2]:-} ]]; then
    echo "h2load:      $(h2load --version 2>&1 | head -n 1)"
    echo "h2 load:     h2load -t$THREADS -c$H2_CONNECTIONS -m$H2_STREAMS -D${DURATION} (p50/p99 from its per-request log), after ${WARMUP}s warm-up per run"
  fi
  echo "rounds:      $ROUNDS (nginx and ZeroGate alternate; best round by req/s is reported)"
  echo "java opts:   $ZEROGATE_JAVA_OPTS"
  if [[ " ${SELECTED[*]} " == *" redis-limit "* ]]; then
    echo "redis:       $(redis-server --version 2>&1 | head -n 1)"
  fi
  if [[ " ${SELECTED[*]} " == *-limit* ]]; then
    echo "limit:       GCRA $LIMIT_RATE on every request, keyed by '$LIMIT_HEADER' (one key; never refuses)"
  fi
  if [[ -n $DEV_ISSUER_URL ]]; then
    echo "jwt token:   RS256 (2048-bit key) from zerogate dev-issuer, ${#BENCH_TOKEN} bytes, sent as 'Authorization: Bearer' on every request of nginx-jwt, jwt, jwt-uncached and full-chain"
  fi
} >"$OUT_DIR/environment.txt"
# Other work on the machine skews everything; say so where the numbers are read.
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l >= 1.0) }'; then
  echo "warning:     load average $(cut -d' ' -f1 /proc/loadavg) before the run: other work is running, numbers will be noisy" \
    | tee -a "$OUT_DIR/environment.txt" >&2
fi

# Start the first ZeroGate scenario now, so a gateway that does not come up fails the run in
# seconds rather than after the direct and nginx measurements. It idles meanwhile.
if (( ${#SELECTED[@]} )); then start_zerogate "${SELECTED[0]}"; fi

# 1. direct: the ceiling — what wrk gets from the upstream with nothing in between.
measure direct 1 "http://127.0.0.1:$UPSTREAM_PORT/"

# 2. nginx and ZeroGate, in rounds. Round 1 runs nginx then each scenario; round 2 runs them in
# reverse (ABBA), so every target gets both an early and a late slot and drift in machine state
# (thermal, page cache, background jobs) does not favour one side. A ZeroGate instance stays up
# while the same scenario is next, so the last scenario of one round is not restarted for the
# next.
order=("${PEERS[@]}" "${SELECTED[@]}")
for (( round = 1; round <= ROUNDS; round++ )); do
  if (( round % 2 == 0 )); then
    seq=()
    for (( i = ${#order[@]} - 1; i >= 0; i-- )); do seq+=("${order[i]}"); done
  else
    seq=("${order[@]}")
  fi
  for target in "${seq[@]}"; do
    if [[ -n ${PEER_URL[$target]:-} && $(tool_of "$target") == h2load ]]; then
      measure_h2load "$target" "$round" "${PEER_URL[$target]}"
    elif [[ -n ${PEER_URL[$target]:-} && -n ${PEER_HEADER[$target]:-} ]]; then
      measure "$target" "$round" "${PEER_URL[$target]}" -H "${PEER_HEADER[$target]}"
    elif [[ -n ${PEER_URL[$target]:-} ]]; then
      measure "$target" "$round" "${PEER_URL[$target]}"
    else
      if [[ $ZG_RUNNING != "$target" ]]; then
        stop_zerogate
        start_zerogate "$target"
      fi
      header_args
      if [[ $(tool_of "$target") == h2load ]]; then
        measure_h2load "$target" "$round" "$SC_URL"
      else
        measure "$target" "$round" "$SC_URL" "${SC_WRK_ARGS[@]}" "${HEADER_ARGS[@]}"
      fi
      if ! group_alive "$ZG_PGID"; then
        # Its run shows up as errors in the table; say why, and start it afresh if needed again.
        log "ZeroGate ($target) exited during the run; last lines of its log:"
        tail -n 20 "$OUT_DIR/zerogate-$target.start$ZG_STARTS.log" >&2 || true
        stop_zerogate
      fi
    fi
  done
done
stop_zerogate

# 3. Summary.
any_bad=0
row() { # SCENARIO TARGET KEY NOTE
  local check=ok
  if [[ -n $4 ]]; then check="!!! ERRORS: ${4%; }"; any_bad=1; fi
  printf '%-12s %-10s %12s %10s %10s  %s\n' "$1" "$2" "${R_RPS[$3]}" "${R_P50[$3]}" "${R_P99[$3]}" "$check"
}

# The mean CPU microseconds per request of a target over its rounds, or NA.
mean_cpu() { # TARGET
  local r values=()
  for (( r = 1; r <= ROUNDS; r++ )); do values+=("${R_CPU[$1#$r]:-NA}"); done
  printf '%s\n' "${values[@]}" | awk '$1 != "NA" { s += $1; n++ } END { if (n) printf "%.1f\n", s / n; else print "NA" }'
}

declare -A ZG_BEST=()
all_keys=(direct#1)
for (( r = 1; r <= ROUNDS; r++ )); do
  for t in "${PEERS[@]}" "${SELECTED[@]}"; do all_keys+=("$t#$r"); done
done
{
  cat "$OUT_DIR/environment.txt"
  echo
  printf '%-12s %-10s %12s %10s %10s  %s\n' scenario target req/s 'p50(ms)' 'p99(ms)' check
  pick_best direct 1
  row direct upstream "$BEST" "$BAD_NOTE"
  declare -A PEER_BEST=()
  for peer in "${PEERS[@]}"; do
    pick_best "$peer" "$ROUNDS"
    PEER_BEST[$peer]=$BEST
    row "$peer" nginx "$BEST" "$BAD_NOTE"
  done
  for sc in "${SELECTED[@]}"; do
    pick_best "$sc" "$ROUNDS"
    ZG_BEST[$sc]=$BEST
    row "$sc" zerogate "$BEST" "$BAD_NOTE"
  done
  echo
  for sc in "${SELECTED[@]}"; do
    peer_best=${PEER_BEST[${SCENARIO_PEER[$sc]}]}
    printf 'ratio %s zerogate/nginx throughput: %s p99: %s\n' "$sc" \
      "$(ratio "${R_RPS[${ZG_BEST[$sc]}]}" "${R_RPS[$peer_best]}")" \
      "$(ratio "${R_P99[${ZG_BEST[$sc]}]}" "${R_P99[$peer_best]}")"
  done
  for sc in "${SELECTED[@]}"; do
    base=${SCENARIO_BASE[$sc]:-}
    [[ -n $base && -n ${ZG_BEST[$base]:-} ]] || continue
    printf 'ratio %s zerogate/%s throughput: %s p99: %s\n' "$sc" "$base" \
      "$(ratio "${R_RPS[${ZG_BEST[$sc]}]}" "${R_RPS[${ZG_BEST[$base]}]}")" \
      "$(ratio "${R_P99[${ZG_BEST[$sc]}]}" "${R_P99[${ZG_BEST[$base]}]}")"
  done
  for sc in "${SELECTED[@]}"; do
    peer=${SCENARIO_PEER[$sc]}
    printf 'cpu %s zerogate/%s per request: %s (%s / %s us)\n' "$sc" "$peer" \
      "$(ratio "$(mean_cpu "$sc")" "$(mean_cpu "$peer")")" "$(mean_cpu "$sc")" "$(mean_cpu "$peer")"
  done
  for sc in "${SELECTED[@]}"; do
    base=${SCENARIO_BASE[$sc]:-}
    [[ -n $base && -n ${ZG_BEST[$base]:-} ]] || continue
    printf 'cpu %s zerogate/%s per request: %s (%s / %s us)\n' "$sc" "$base" \
      "$(ratio "$(mean_cpu "$sc")" "$(mean_cpu "$base")")" "$(mean_cpu "$sc")" "$(mean_cpu "$base")"
  done
  echo
  echo "Each nginx/ZeroGate row is the best of $ROUNDS rounds by req/s (its p50/p99 come from that same"
  echo "run); rounds alternate the order (ABBA). The cpu lines compare the CPU time (user + system, all"
  echo "threads or workers) the proxy under test spent per request, averaged over the rounds. Every run,"
  echo "and any errors, are listed below."
  echo
  printf '%-12s %5s %12s %10s %10s %8s %8s %5s %10s\n' target round req/s 'p50(ms)' 'p99(ms)' non-2xx sockerr rc 'cpu(us)'
  for key in "${all_keys[@]}"; do
    printf '%-12s %5s %12s %10s %10s %8s %8s %5s %10s\n' "${key%#*}" "${key#*#}" "${R_RPS[$key]}" \
      "${R_P50[$key]}" "${R_P99[$key]}" "${R_NON2XX[$key]}" "${R_SOCK[$key]}" "${R_RC[$key]}" "${R_CPU[$key]:-NA}"
  done
  if (( any_bad )); then
    echo
    echo "!!! Some runs had non-2xx responses, socket errors or unreadable wrk output: these results"
    echo "!!! are not valid. See the wrk-*.txt files in $OUT_DIR."
  fi
} >"$OUT_DIR/summary.txt"
cat "$OUT_DIR/summary.txt"

if (( any_bad )); then
  log "done with errors; raw output in $OUT_DIR"
  exit 1
fi
log "done; raw output in $OUT_DIR"

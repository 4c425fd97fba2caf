#!/usr/bin/env bash
# KMS load: KeyProv requests/s and p50/p99 latency over TLS with keep-alive
# from N concurrent clients on loopback, then a restart (SIGKILL) in the
# middle of a load run: no issued key set may change or be lost, and the
# database must pass its integrity check.
#
#   bench/kms-bench.sh [BUILD_DIR] [--quick]      (default build/)
set -u
B=${1:-build}
QUICK=0; [ "${2:-}" = "--quick" ] && QUICK=1
M=$B/apps/mcsec K=$B/apps/mcsec-kmsd L=$B/bench/kms-load
for x in "$M" "$K" "$L"; do [ -x "$x" ] || { echo "kms-bench: $x not built" >&2; exit 2; }; done
T=$(mktemp -d); KPID=
trap '[ -n "$KPID" ] && kill -9 $KPID 2>/dev/null; rm -rf "$T"' EXIT
ISS=https://idm.example.org AUD=mcsec-kms
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
  -out "$T/tls.crt" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/idm.key" 2>/dev/null
openssl pkey -in "$T/idm.key" -pubout -out "$T/idm.pub"
PORT=0
start() {
  # on a restart the old socket may linger a moment: retry the same port
  for _attempt in $(seq 40); do
    "$K" --listen 127.0.0.1:$PORT --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" --db "$T/kms.db" \
      --master-key-file "$T/master.key" --kms-uri kms.example.org --idm-issuer $ISS --idm-audience $AUD \
      --idm-key "$T/idm.pub" --audit-log "$T/audit.log" >"$T/kmsd.out" 2>>"$T/kmsd.err" &
    KPID=$!
    for _ in $(seq 100); do
      grep -q listening "$T/kmsd.out" 2>/dev/null && break
      kill -0 $KPID 2>/dev/null || break
      sleep 0.05
    done
    if grep -q listening "$T/kmsd.out" 2>/dev/null; then
      PORT=$(sed -n 's|.*https://127.0.0.1:\([0-9]*\).*|\1|p' "$T/kmsd.out")
      return 0
    fi
    wait $KPID 2>/dev/null; KPID=
    sleep 0.25
  done
  echo "kms-bench: mcsec-kmsd did not start:" >&2; tail -3 "$T/kmsd.err" >&2
  exit 2
}
USERS=$([ $QUICK = 1 ] && echo 20 || echo 200)
for i in $(seq $USERS); do
  "$M" idm token --key "$T/idm.key" --iss $ISS --aud $AUD --id "sip:user$i@example.org" --ttl 7200
done >"$T/tokens"
start
URL=https://127.0.0.1:$PORT
SECS=$([ $QUICK = 1 ] && echo 2 || echo 8)
echo "mcsec-kmsd on $URL, $(nproc) CPUs, $USERS users"
# warm-up: every user's first request issues two key sets (RSK + SSK/PVT each)
"$L" --url "$URL" --ca "$T/tls.crt" --tokens "$T/tokens" --clients 4 --seconds 1 >/dev/null
if [ $QUICK = 0 ]; then
  for n in 1 8 32 64; do
    "$L" --url "$URL" --ca "$T/tls.crt" --tokens "$T/tokens" --clients $n --seconds $SECS
  done
fi

# restart mid-load: SIGKILL after a second, start again on the same port
"$L" --url "$URL" --ca "$T/tls.crt" --tokens "$T/tokens" --clients 8 --seconds $((SECS + 2)) \
  --record "$T/record" >"$T/load.out" &
LPID=$!
sleep 1
kill -9 $KPID; wait $KPID 2>/dev/null; KPID=
start
wait $LPID
cat "$T/load.out"
kill -TERM $KPID; wait $KPID; KPID=
fail=0
# every (user, period) was always served the same key set
changed=$(sort -u "$T/record" | awk '{print $1, $2}' | uniq -d | wc -l)
distinct=$(awk '{print $1, $2}' "$T/record" | sort -u | wc -l)
stats=$("$M" kms stats --db "$T/kms.db")
stored=$(sed 's/.*"key_sets": \([0-9]*\).*/\1/' <<<"$stats")
echo "restart mid-load: $(wc -l <"$T/record") key sets received, $distinct distinct (user, period), $changed changed; store holds $stored; $stats"
[ "$changed" = 0 ] || { echo "FAIL: a key set changed across the restart"; fail=1; }
[ "$stored" -ge "$distinct" ] || { echo "FAIL: the store lost issued key sets"; fail=1; }
grep -q '"integrity": "ok"' <<<"$stats" || { echo "FAIL: database integrity"; fail=1; }
exit $fail

#!/usr/bin/env bash
# mcsec-kmsd on loopback over HTTPS, driven by the mcsec CLI and curl: init,
# key provisioning (current+next, by time), cert cache, CEKs, the MIKEY
# exchange from fetched stores, and every refusal; then a restart keeps the
# domain and the issued key sets, and no secret reaches a log.
set -u
MCSEC=${1:?usage: kms_e2e.sh MCSEC MCSEC_KMSD}
KMSD=${2:?}
T=$(mktemp -d)
KPID=
cleanup() { [ -n "$KPID" ] && kill "$KPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
has() { if grep -q -- "$2" <<<"$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: no '$2' in: $1" >&2; fi; }

ISS=https://idm.example.org AUD=mcsec-kms KMS=kms.example.org
ALICE=sip:alice@example.org BOB=sip:bob@example.org CAROL=sip:carol@example.org
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
  -out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/mcptt.key" \
  -out "$T/mcptt.crt" -days 2 -subj /CN=mcptt-server -addext subjectAltName=URI:sip:mcptt-server@example.org 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/idm.key" 2>/dev/null
openssl pkey -in "$T/idm.key" -pubout -out "$T/idm.pub"

start() {
  "$KMSD" --listen 127.0.0.1:0 --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" --db "$T/kms.db" \
    --master-key-file "$T/master.key" --kms-uri $KMS --idm-issuer $ISS --idm-audience $AUD \
    --idm-key "$T/idm.pub" --audit-log "$T/audit.log" --threads 2 --server-cert "$T/mcptt.crt" \
    >"$T/kmsd.out" 2>>"$T/kmsd.err" &
  KPID=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$T/kmsd.out")
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  URL=https://127.0.0.1:$PORT
}
stop() { kill -TERM "$KPID"; wait "$KPID"; KPID=; }
tok() { "$MCSEC" idm token --key "$T/idm.key" --iss $ISS --aud $AUD --id "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.crt" -X POST "$@"; }

# start-up refusals: HTTPS only
"$KMSD" --listen 127.0.0.1:0 --db "$T/x.db" --master-key-file "$T/x.key" --kms-uri $KMS \
  --idm-issuer $ISS --idm-audience $AUD --idm-key "$T/idm.pub" >/dev/null 2>"$T/err"
check $? 2 "no TLS certificate: refused"
has "$(cat "$T/err")" "tls-cert" "no TLS: one-line reason"
check "$("$KMSD" --help | head -1 | cut -c1-17)" "usage: mcsec-kmsd" "--help"

start
check "$([ -n "$PORT" ] && echo up)" up "kmsd listening"
check "$(stat -c %a "$T/master.key")" 600 "master key created 0600"
TA=$(tok $ALICE) TB=$(tok $BOB) TC=$(tok $CAROL)

# alice: plain store; bob: passphrase-encrypted store
out=$("$MCSEC" kms fetch --url "$URL" --token "$TA" --ca "$T/tls.crt" --store "$T/alice.ks")
check $? 0 "alice fetch"
check "$(grep -c '"period"' <<<"$out")" 2 "alice: current and next period"
echo "bob's passphrase" >"$T/pass"
"$MCSEC" kms fetch --url "$URL" --token "$TB" --ca "$T/tls.crt" --store "$T/bob.ks" --passphrase-file "$T/pass" >/dev/null
check $? 0 "bob fetch (encrypted store)"
check "$(stat -c %a "$T/alice.ks")" 600 "store mode 0600"
check "$(head -c 8 "$T/bob.ks")" MCSECKS1 "bob's store is encrypted"
"$MCSEC" keystore show --store "$T/bob.ks" >/dev/null 2>&1
check $? 1 "encrypted store without passphrase: rejected"
show=$("$MCSEC" keystore show --store "$T/bob.ks" --passphrase-file "$T/pass")
has "$show" "$BOB" "keystore show"
check "$(grep -c '"ssk"\|"rsk"' <<<"$show")" 0 "keystore show prints no secret keys"
has "$show" '"mcptt_server_certificate": true' "KmsInit delivered the MCPTT server certificate"
check "$("$MCSEC" keystore show --store "$T/bob.ks" --passphrase-file "$T/pass" --server-cert | openssl x509 -noout -fingerprint)" \
      "$(openssl x509 -in "$T/mcptt.crt" -noout -fingerprint)" "stored server certificate = the registered one"
# a later period by time (30 days on)
LATER=$(( $(date +%s) + 40 * 86400 ))
out=$("$MCSEC" kms fetch --url "$URL" --token "$TA" --ca "$T/tls.crt" --store "$T/alice.ks" --time $LATER)
check $? 0 "fetch by time"
check "$(grep -c '"period"' <<<"$out")" 3 "store now holds three periods"
has "$("$MCSEC" kms certcache --url "$URL" --token "$TA" --ca "$T/tls.crt")" '"kms_uri": "kms.example.org"' "certcache"
# the served keys' UID is the F.2.1 UID we compute ourselves
P=$(sed -n 's/.*"period": \([0-9]*\).*/\1/p' <<<"$out" | head -1)
U=$("$MCSEC" uid --uri $ALICE --kms-uri $KMS --period-len 2592000 --period-offset 0 --period-no "$P")
has "$out" "$U" "stored UID = recomputed UID"

# MIKEY-SAKKE PCK from alice to bob with the fetched keys only
K=00112233445566778899aabbccddeeff
MSG=$("$MCSEC" mikey create --type pck --key $K --key-id 10000001 --from $ALICE --to $BOB --store "$T/alice.ks")
check $? 0 "mikey create --store"
opened=$("$MCSEC" mikey open --uri $BOB --store "$T/bob.ks" --passphrase-file "$T/pass" "$MSG")
check $? 0 "mikey open --store"
has "$opened" "\"key\": \"$K\"" "bob recovers alice's PCK"
"$MCSEC" mikey open --uri $ALICE --store "$T/alice.ks" "$MSG" >/dev/null 2>&1
check $? 1 "alice cannot open bob's message"

# KMS-managed CEK: alice for bob; bob fetches it; carol cannot
cek=$("$MCSEC" kms cek-create --url "$URL" --token "$TA" --ca "$T/tls.crt" --kms-uri $KMS --peer $BOB)
check $? 0 "cek-create"
ID=$(sed -n 's/.*"cek_id": "\([0-9a-f]*\)".*/\1/p' <<<"$cek")
KEY=$(sed -n 's/.*"cek": "\([0-9a-f]*\)".*/\1/p' <<<"$cek")
got=$("$MCSEC" kms cek-fetch --url "$URL" --token "$TB" --ca "$T/tls.crt" --kms-uri $KMS --cek-id "$ID")
has "$got" "\"cek\": \"$KEY\"" "bob fetches the same CEK"
"$MCSEC" kms cek-fetch --url "$URL" --token "$TC" --ca "$T/tls.crt" --kms-uri $KMS --cek-id "$ID" >/dev/null 2>"$T/err"
check $? 1 "carol: another user's CEK refused"
has "$(cat "$T/err")" "403" "carol: 403"

# refusals over the wire
KP=$URL/keymanagement/identity/v1/keyprov
check "$(code "$KP")" 401 "no token"
# change one character inside the signature (not the last one, whose low bits are padding)
c=${TA: -10:1}; [ "$c" = A ] && r=B || r=A
BADSIG=${TA:0:${#TA}-10}$r${TA: -9}
check "$(code -H "Authorization: Bearer $BADSIG" "$KP")" 401 "bad signature"
b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
NOW=$(date +%s)
PAY=$(printf '{"iss":"%s","aud":"%s","mcptt_id":"%s","iat":%d,"exp":%d}' $ISS $AUD $ALICE $NOW $((NOW+3600)) | b64u)
NONE=$(printf '{"alg":"none","typ":"JWT"}' | b64u).$PAY.
check "$(code -H "Authorization: Bearer $NONE" "$KP")" 401 "alg none"
H256=$(printf '{"alg":"HS256","typ":"JWT"}' | b64u).$PAY
SIG=$(printf '%s' "$H256" | openssl dgst -sha256 -mac HMAC -macopt hexkey:"$(xxd -p "$T/idm.pub" | tr -d '\n')" -binary | b64u)
check "$(code -H "Authorization: Bearer $H256.$SIG" "$KP")" 401 "HS256 keyed with the public key"
check "$(code -H "Authorization: Bearer $(tok $ALICE --now $((NOW-7200)) --ttl 3600)" "$KP")" 401 "expired"
check "$(code -H "Authorization: Bearer $("$MCSEC" idm token --key "$T/idm.key" --iss https://evil --aud $AUD --id $ALICE)" "$KP")" 401 "wrong issuer"
check "$(code -H "Authorization: Bearer $("$MCSEC" idm token --key "$T/idm.key" --iss $ISS --aud other --id $ALICE)" "$KP")" 401 "wrong audience"
check "$(code -H "Authorization: Bearer $TA" "$KP/sip%3Abob%40example.org")" 403 "another user's URI"
check "$(code -H "Authorization: Bearer $TA" --data-binary '<KmsRequest xmlns=' "$KP")" 400 "malformed XML"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
check "$(code -H "Authorization: Bearer $TA" --data-binary @"$T/big" "$KP")" 400 "oversized body"
body=$(curl -s --cacert "$T/tls.crt" -X POST -H "Authorization: Bearer $TA" --data-binary 'x' "$KP")
has "$body" "KmsError" "400 carries a KmsError body"
check "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.crt" "$URL/metrics")" 200 "metrics"
has "$(curl -s --cacert "$T/tls.crt" "$URL/metrics")" 'mcsec_kms_requests_total{endpoint="keyprov",status="401"}' "metrics by endpoint and status"
"$MCSEC" kms fetch --url "http://127.0.0.1:$PORT" --token "$TA" --store "$T/x.ks" >/dev/null 2>&1
check $? 2 "client refuses plain http"
"$MCSEC" kms fetch --url "$URL" --token "$TA" --store "$T/x.ks" >/dev/null 2>&1
check $? 2 "client refuses an untrusted server certificate"

# revocation while running
"$MCSEC" kms revoke --db "$T/kms.db" $CAROL >/dev/null
check $? 0 "revoke"
"$MCSEC" kms fetch --url "$URL" --token "$TC" --ca "$T/tls.crt" --store "$T/carol.ks" >/dev/null 2>"$T/err"
check $? 1 "revoked user: fetch refused"
has "$(cat "$T/err")" "revoked" "revoked user: says so"
check "$(test -e "$T/carol.ks" && echo written || echo absent)" absent "nothing stored for a refused fetch"

# restart: same domain, same issued key sets, consistent database
before=$("$MCSEC" kms stats --db "$T/kms.db")
stop
start
"$MCSEC" kms fetch --url "$URL" --token "$TA" --ca "$T/tls.crt" --store "$T/alice.ks" >/dev/null
check $? 0 "fetch after restart (same KMS certificate, else the client refuses)"
after=$("$MCSEC" kms stats --db "$T/kms.db")
check "$(sed 's/.*"key_sets": \([0-9]*\).*/\1/' <<<"$after")" "$(sed 's/.*"key_sets": \([0-9]*\).*/\1/' <<<"$before")" "no new key sets after restart"
has "$after" '"integrity": "ok"' "database integrity"
stop

# the same settings from a config file (flags would win)
cat >"$T/kmsd.conf" <<CONF
# mcsec-kmsd configuration
listen = 127.0.0.1:0
tls-cert = $T/tls.crt
tls-key = $T/tls.key
db = $T/kms.db
master-key-file = $T/master.key
kms-uri = $KMS
idm-issuer = $ISS
idm-audience = $AUD
idm-key = $T/idm.pub
CONF
"$KMSD" --config "$T/kmsd.conf" >"$T/kmsd.out" 2>>"$T/kmsd.err" &
KPID=$!
for _ in $(seq 100); do grep -q listening "$T/kmsd.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$T/kmsd.out")
check "$(code -H "Authorization: Bearer $TA" "https://127.0.0.1:$PORT/keymanagement/identity/v1/init")" 200 "started from --config"
stop
echo "bogus = 1" >>"$T/kmsd.conf"
"$KMSD" --config "$T/kmsd.conf" >/dev/null 2>"$T/err"
check $? 2 "unknown config key refused"
has "$(cat "$T/err")" "unknown key 'bogus'" "config error names the key"

# nothing secret in any log: no token, no key
SSK=$(sed -n 's/.*"ssk": "\([0-9a-f]*\)".*/\1/p' "$T/alice.ks" | head -1)
check "$(cat "$T/kmsd.err" "$T/audit.log" | grep -c -e "$SSK" -e "${TA:0:40}" -e "$KEY")" 0 "no secret in the logs"
has "$(cat "$T/audit.log")" "keyprov 200 $ALICE" "audit log lines"

echo "kms_e2e: $pass passed, $fail failed"
[ $fail = 0 ]

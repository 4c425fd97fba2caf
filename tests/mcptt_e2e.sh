#!/usr/bin/env bash
# MCPTT across processes on loopback: mcsec-kmsd (with the MCPTT server
# certificate), `mcsec mcptt server`, two clients (alice, bob) and Kamailio as
# the SIP proxy between them, every CEK path (MIKEY-SAKKE CEK, KMS CEK),
# signed bodies, bodies encrypted to the server certificate from KmsInit,
# session teardown and log-off removing keys, rejections over the wire
# (tampered body, wrong KEK-ID, untrusted signer, unprotected identities), and a
# tshark capture of the proxy's traffic that holds no plaintext MCPTT identity.
set -u
MCSEC=${1:?usage: mcptt_e2e.sh MCSEC MCSEC_KMSD}
KMSD=${2:?}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
KPID= SPID= KAM= TSH=
cleanup() {
  for p in $TSH $SPID $KPID; do kill "$p" 2>/dev/null; done
  [ -f "$T/k.pid" ] && kill "$(cat "$T/k.pid")" 2>/dev/null
  wait 2>/dev/null; rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
has() { if grep -q -- "$2" <<<"$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: no '$2' in: $1" >&2; fi; }
hasnt() { if grep -q -- "$2" <<<"$1"; then fail=$((fail+1)); echo "FAIL: $3: '$2' found" >&2; else pass=$((pass+1)); fi; }
for tool in kamailio tshark openssl curl; do
  command -v $tool >/dev/null || { echo "mcptt_e2e: $tool not installed (scripts/install-deps.sh)"; exit 77; }
done
freeport() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

ISS=https://idm.example.org AUD=mcsec-kms KMS=kms.example.org
ALICE=sip:alice@example.org BOB=sip:bob@example.org
SPORT=$(freeport) PPORT=$(freeport)
PSI=sip:mcptt-server@127.0.0.1:$SPORT
PROXY=127.0.0.1:$PPORT
# MCPTT identities (MC Service IDs): they hold the KMS keys and appear only
# inside protected bodies; the I_MESSAGEs name them by UID only (TS 33.180
# E.7). The SIP From URIs above are the users' public SIP identities.
A_ID=sip:alice.mcptt@mcx.example.org B_ID=sip:bob.mcptt@mcx.example.org
GROUP=sip:fire-brigade-7@mcx.example.org CALLED=sip:dispatch.mcptt@mcx.example.org

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
  -out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
"$MCSEC" cert selfsign --cn mcptt-server --uri "$PSI" --key-type rsa --key-out "$T/srv.key" --cert-out "$T/srv.crt" >/dev/null
"$MCSEC" cert selfsign --cn alice --uri $ALICE --key-out "$T/alice.key" --cert-out "$T/alice.crt" >/dev/null
"$MCSEC" cert selfsign --cn mallory --uri $ALICE --key-out "$T/mallory.key" --cert-out "$T/mallory.crt" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/idm.key" 2>/dev/null
openssl pkey -in "$T/idm.key" -pubout -out "$T/idm.pub"

"$KMSD" --listen 127.0.0.1:0 --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" --db "$T/kms.db" \
  --master-key-file "$T/master.key" --kms-uri $KMS --idm-issuer $ISS --idm-audience $AUD \
  --idm-key "$T/idm.pub" --threads 2 --server-cert "$T/srv.crt" >"$T/kmsd.out" 2>"$T/kmsd.err" &
KPID=$!
for _ in $(seq 100); do
  KPORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$T/kmsd.out"); [ -n "$KPORT" ] && break; sleep 0.1
done
URL=https://127.0.0.1:$KPORT
tok() { "$MCSEC" idm token --key "$T/idm.key" --iss $ISS --aud $AUD --id "$1"; }
tok $A_ID >"$T/ta"; tok $B_ID >"$T/tb"; tok "$PSI" >"$T/ts"
for u in alice:ta bob:tb srv:ts; do
  "$MCSEC" kms fetch --url "$URL" --token "@$T/${u#*:}" --ca "$T/tls.crt" --store "$T/${u%%:*}.ks" >/dev/null
  check $? 0 "kms fetch ${u%%:*}"
done
check "$("$MCSEC" keystore show --store "$T/alice.ks" --server-cert | openssl x509 -noout -fingerprint)" \
      "$(openssl x509 -in "$T/srv.crt" -noout -fingerprint)" "alice got the MCPTT server certificate in KmsInit"

# the capture of everything the proxy sees, then the proxy, then the server
tshark -i lo -f "udp port $PPORT" -w "$T/proxy.pcap" >/dev/null 2>"$T/tshark.err" &
TSH=$!
for _ in $(seq 50); do grep -q "Capturing on" "$T/tshark.err" 2>/dev/null && break; sleep 0.1; done
kamailio -f "$HERE/kamailio/proxy.cfg" -DD -E -l udp:127.0.0.1:$PPORT -P "$T/k.pid" -Y "$T" >"$T/kam.log" 2>&1 &
KAM=$!
"$MCSEC" mcptt server --listen 127.0.0.1:$SPORT --uri "$PSI" --store "$T/srv.ks" --cert "$T/srv.crt" \
  --key "$T/srv.key" --kms-url "$URL" --token "@$T/ts" --ca "$T/tls.crt" --log "$T/server.jsonl" 2>"$T/server.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/server.err" 2>/dev/null && grep -q "listening on\|INFO" "$T/kam.log" && break; sleep 0.1; done
sleep 0.5
last() { tail -1 "$T/server.jsonl"; }
send() { "$MCSEC" mcptt client send --proxy $PROXY --to "$PSI" "$@"; }
echo "text for the dispatcher" >"$T/body.txt"

# 1. #14: alice's CEK over MIKEY-SAKKE in the SDP of an INVITE; identities protected under it
out=$(send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --method INVITE --calling $A_ID --called $CALLED \
  --group $GROUP --body-file "$T/body.txt" --state "$T/alice.session")
check $? 0 "INVITE with a MIKEY CEK: 200"
has "$out" '"status": 200' "client sees 200"
CID=$(sed -n 's/.*"cek_id": "\([0-9a-f]*\)".*/\1/p' <<<"$out")
check "${CID:0:1}" f "the CEK-ID's purpose nibble is 0xF"
l=$(last)
has "$l" '"path": "mikey"' "server: MIKEY path"
has "$l" "\"cek_id\": \"$CID\"" "server: the same CEK-ID"
has "$l" "\"identities\": \[\"$CALLED\", \"$A_ID\", \"$GROUP\"\]" "server recovered the identities"
has "$l" '"new_key": true' "server stored a new key"
# later MESSAGE bodies in the session: the whole body under the CEK as KEK
out=$(send --reuse "$T/alice.session" --calling $A_ID --called $CALLED --body-file "$T/body.txt")
check $? 0 "later MESSAGE under the session key"
has "$(last)" "\"method\": \"MESSAGE\".*\"path\": \"mikey\".*\"cek_id\": \"$CID\"\|\"cek_id\": \"$CID\".*\"path\": \"mikey\"" "server: old key, MIKEY path"

# 2. #13: bob's KMS-managed CEK for the server's PSI; the server fetches it by ID
out=$(send --from $BOB --mcptt-id $B_ID --store "$T/bob.ks" --cek kms --kms-url "$URL" --token "@$T/tb" --ca "$T/tls.crt" --calling $B_ID \
  --called $CALLED --state "$T/bob.keys")
check $? 0 "MESSAGE under a KMS CEK: 200"
KID=$(sed -n 's/.*"cek_id": "\([0-9a-f]*\)".*/\1/p' <<<"$out")
check "${#KID}" 32 "KMS CEK-ID is 16 octets"
l=$(last)
has "$l" '"path": "kms"' "server: KMS path"
has "$l" "\"cek_id\": \"$KID\"" "server fetched that CEK-ID"
has "$l" "\"identities\": \[\"$CALLED\", \"$B_ID\"\]" "server recovered bob's identities"
send --reuse "$T/bob.keys" --calling $B_ID >/dev/null
check $? 0 "bob: later body under the cached KMS CEK"

# 3. signed with alice's certificate (carried in SignedData), server trusting it
kill $SPID; wait $SPID 2>/dev/null
"$MCSEC" mcptt server --listen 127.0.0.1:$SPORT --uri "$PSI" --store "$T/srv.ks" --cert "$T/srv.crt" \
  --key "$T/srv.key" --trust "$T/alice.crt" --log "$T/server.jsonl" 2>"$T/server.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/server.err" 2>/dev/null && break; sleep 0.1; done
out=$(send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --sign --cert "$T/alice.crt" --key "$T/alice.key" \
  --calling $A_ID --called $CALLED)
check $? 0 "signed + MIKEY CEK: 200"
l=$(last)
has "$l" '"signed": true, "trusted": true' "server: signature verified and trusted"
has "$l" '"signer": "alice"' "server: the signer"
# untrusted signer
send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --sign --cert "$T/mallory.crt" --key "$T/mallory.key" \
  --calling $A_ID >/dev/null 2>"$T/err"
check $? 1 "untrusted signer: rejected"
# every failure of a protected body gets one answer (no oracle); the server's
# log keeps the cause
has "$(cat "$T/err")" "493" "untrusted signer: 493 (the uniform answer)"
has "$(last)" '"error": "signer certificate not trusted"' "server logged the cause"
# 4. the certificate path: encrypted to the server certificate from KmsInit (KTRI), signed
out=$(send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek none --encrypt-to-server --sign --cert "$T/alice.crt" \
  --key "$T/alice.key" --calling $A_ID --called $CALLED)
check $? 0 "encrypted to the server certificate: 200"
l=$(last)
has "$l" '"path": "cert"' "server: certificate path"
has "$l" "\"identities\": \[\"$CALLED\", \"$A_ID\"\]" "server: identities via KTRI"
# unsigned while trust is required
send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek none --encrypt-to-server --calling $A_ID >/dev/null 2>&1
check $? 1 "unsigned body where a signature is required: rejected"

# back to the server without --trust for the rest
kill $SPID; wait $SPID 2>/dev/null
"$MCSEC" mcptt server --listen 127.0.0.1:$SPORT --uri "$PSI" --store "$T/srv.ks" \
  --kms-url "$URL" --token "@$T/ts" --ca "$T/tls.crt" --log "$T/server.jsonl" 2>"$T/server.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/server.err" 2>/dev/null && break; sleep 0.1; done

# 5. rejections over the wire
send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --method INVITE --calling $A_ID --called $CALLED \
  --state "$T/s2" >/dev/null
check $? 0 "second session"
send --reuse "$T/s2" --calling $A_ID --out "$T/later.sip"
check $? 0 "a later body written to a file"
# tamper: flip one octet near the end of the CMS body
python3 - "$T/later.sip" "$T/tampered.sip" <<'PY'
import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-20]^=0x01; open(sys.argv[2],'wb').write(b)
PY
"$MCSEC" mcptt client raw --proxy $PROXY --in "$T/tampered.sip" >/dev/null 2>"$T/err"
check $? 1 "tampered body: rejected"
has "$(cat "$T/err")" "493\|400" "tampered body: 493/400"
hasnt "$(last)" "identities" "tampered: nothing recovered"
# wrong KEK-ID: the body protected under a KEK-ID the server does not hold
sed 's/^call_id .*/&/; s/^kek_id .*/kek_id f0badbad/' "$T/s2" >"$T/wrong"
send --reuse "$T/wrong" --calling $A_ID >/dev/null 2>"$T/err"
check $? 1 "wrong KEK-ID: rejected"
has "$(cat "$T/err")" "493" "wrong KEK-ID: 493 Undecipherable"
# unprotected identities
cat >"$T/clear.sip" <<SIP
MESSAGE $PSI SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKclear;rport
Max-Forwards: 70
From: <$ALICE>;tag=c1
To: <$PSI>
Call-ID: clear@mcsec
CSeq: 1 MESSAGE
Content-Type: text/plain
Content-Length: 5

hello
SIP
sed -i 's/$/\r/' "$T/clear.sip"; truncate -s -2 "$T/clear.sip"
"$MCSEC" mcptt client raw --proxy $PROXY --in "$T/clear.sip" >/dev/null 2>"$T/err"
check $? 1 "unprotected body: rejected"
has "$(cat "$T/err")" "400" "unprotected body: 400"
# the untampered copy still works (nothing was half-processed)
"$MCSEC" mcptt client raw --proxy $PROXY --in "$T/later.sip" >/dev/null
check $? 0 "the untampered body is accepted"

# 6. session teardown: BYE removes the key; a later body under it is refused
out=$("$MCSEC" mcptt client bye --proxy $PROXY --state "$T/s2")
check $? 0 "BYE: 200"
has "$(last)" '"keys_removed": 1' "BYE removed the session key"
send --reuse "$T/s2" --calling $A_ID >/dev/null 2>"$T/err"
check $? 1 "body under a torn-down session key: refused"
has "$(cat "$T/err")" "493" "after BYE: 493"

# 7. log-off: a MESSAGE-scoped MIKEY key of alice (no session) and bob's KMS key survive until log-off
send --from $ALICE --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --calling $A_ID --state "$T/s3" >/dev/null
check $? 0 "a key outside any session"
send --reuse "$T/s3" --calling $A_ID >/dev/null
check $? 0 "used again"
"$MCSEC" mcptt client logoff --proxy $PROXY --from $ALICE --to "$PSI" >/dev/null
check $? 0 "log-off (REGISTER Expires: 0): 200"
has "$(last)" '"method": "REGISTER"' "server logged the log-off"
hasnt "$(last)" '"keys_removed": 0' "log-off removed alice's keys"
send --reuse "$T/s3" --calling $A_ID >/dev/null 2>&1
check $? 1 "after log-off alice's key is gone"
send --reuse "$T/bob.keys" --calling $B_ID >/dev/null
check $? 0 "bob's KMS key is not affected by alice's log-off (fetched again by ID)"

# usage errors
"$MCSEC" mcptt client send --proxy nonsense --to x >/dev/null 2>&1
check $? 2 "bad --proxy: usage error"
check "$("$MCSEC" mcptt --help | head -1 | cut -c1-18)" "usage: mcsec mcptt" "--help"

# a key must come from the requester: alice's own keys (MIKEY, signed for A_ID
# and naming it only by UID; or her KMS CEK) cannot carry a request that
# claims to be bob's (From bob, calling identity B_ID)
send --from $BOB --mcptt-id $A_ID --store "$T/alice.ks" --cek mikey --calling $B_ID >/dev/null 2>"$T/err"
check $? 1 "MIKEY key of another MCPTT ID: rejected"
has "$(cat "$T/err")" "403" "MIKEY key of another MCPTT ID: 403"
send --from $BOB --store "$T/alice.ks" --cek kms --kms-url "$URL" --token "@$T/ta" --ca "$T/tls.crt" \
  --calling $B_ID >/dev/null 2>"$T/err"
check $? 1 "KMS CEK created by another MCPTT ID: rejected"
has "$(cat "$T/err")" "403" "KMS CEK created by another MCPTT ID: 403"
hasnt "$(last)" "identities" "impersonation: nothing recovered"

# 8. what the proxy saw: no MCPTT identity in the capture, as octets or as decoded SIP
sleep 0.5
kill $TSH; wait $TSH 2>/dev/null; TSH=
npk=$(tshark -r "$T/proxy.pcap" -Y sip 2>/dev/null | wc -l)
[ "$npk" -ge 30 ] && check ok ok "capture holds the SIP traffic ($npk packets)" || check "$npk" ">=30" "capture size"
has "$(tshark -r "$T/proxy.pcap" -Y sip -T fields -e sip.Method 2>/dev/null | sort -u | tr '\n' ' ')" "INVITE" "capture has the INVITEs"
decoded=$(tshark -r "$T/proxy.pcap" -Y sip -V 2>/dev/null)
has "$decoded" "application/pkcs7-mime" "decoded SIP: protected parts"
has "$decoded" "key-mgmt" "decoded SIP: the SDP stayed readable"
for id in $A_ID $B_ID $GROUP $CALLED alice.mcptt bob.mcptt fire-brigade dispatch.mcptt mcpttURI; do
  hasnt "$decoded" "$id" "decoded SIP bodies contain no $id"
  check "$(grep -c -a -F "$id" "$T/proxy.pcap")" 0 "pcap octets contain no $id"
done
# the identities of the rejected plain MESSAGE are the only clear text, and it had none
check "$(grep -c -a -F "text for the dispatcher" "$T/proxy.pcap")" 0 "the protected text part is not in the clear either"

kill $SPID; wait $SPID 2>/dev/null; SPID=
echo "mcptt_e2e: $pass passed, $fail failed"
[ $fail = 0 ]

#!/usr/bin/env bash
# The end-to-end demo, from a fresh Debian 12 machine: installs what is
# missing, builds, and walks through what mcsec does today, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
MCSEC_BUILD=build bash scripts/build.sh >/dev/null
M=build/apps/mcsec
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
short() { local v=$1; echo "${v:0:24}…(${#v} hex digits)"; }

echo "mcsec $($M --version | cut -d' ' -f2) demo — identity-based keys for mission-critical PTT"
K=build/apps/mcsec-kmsd
KPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$W"' EXIT
ISS=https://idm.police.example AUD=mcsec-kms KMSURI=kms.police.example

step "Setup: a TLS certificate for the KMS on 127.0.0.1 and the IdM's token-signing key (P-256)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/tls.key" \
  -out "$W/tls.crt" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/idm.key" 2>/dev/null
openssl pkey -in "$W/idm.key" -pubout -out "$W/idm.pub"
echo "tls.crt (self-signed), idm.key / idm.pub"

step "mcsec-kmsd starts on loopback (HTTPS, SQLite store); on first start it creates the domain keys"
$K --listen 127.0.0.1:0 --tls-cert "$W/tls.crt" --tls-key "$W/tls.key" --db "$W/kms.db" \
   --master-key-file "$W/master.key" --kms-uri $KMSURI --idm-issuer $ISS --idm-audience $AUD \
   --idm-key "$W/idm.pub" --audit-log "$W/audit.log" >"$W/kmsd.out" 2>"$W/kmsd.err" &
KPID=$!
for _ in $(seq 100); do grep -q listening "$W/kmsd.out" 2>/dev/null && break; sleep 0.1; done
cat "$W/kmsd.out"
URL=$(sed -n 's/.*listening on //p' "$W/kmsd.out")
echo "master key file $(stat -c '%a %s' "$W/master.key" | sed 's/ / mode, /') bytes; database $(basename "$W/kms.db")"

step "The IdM issues access tokens (JWT, ES256) to the GMS, Alice, Bob and Carol"
declare -A TOK
for u in gms alice bob carol; do
  TOK[$u]=$($M idm token --key "$W/idm.key" --iss $ISS --aud $AUD --id sip:$u@police.example)
done
echo "Alice's token: ${TOK[alice]:0:40}…"

step "Each fetches its KMS certificate and key sets (current and next 30-day period), validated, into a key store"
for u in gms alice bob carol; do
  $M kms fetch --url "$URL" --token "${TOK[$u]}" --ca "$W/tls.crt" --store "$W/$u.ks" >"$W/$u.json"
  echo "sip:$u@police.example: $(grep -c '"period"' "$W/$u.json") key sets, UIDs $(sed -n 's/.*"uid": "\(.\{16\}\).*/\1…/p' "$W/$u.json" | tr '\n' ' ')"
done
echo "Bob's store (no secret keys printed):"
$M keystore show --store "$W/bob.ks" | sed -n '1,4p;/key_sets/,$p' | cut -c1-110

step "The KMS refuses what it must"
printf 'no token: HTTP %s; ' "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls.crt" -X POST "$URL/keymanagement/identity/v1/keyprov")"
printf "Alice asking for Bob's keys: HTTP %s\n" "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls.crt" -X POST -H "Authorization: Bearer ${TOK[alice]}" "$URL/keymanagement/identity/v1/keyprov/sip%3Abob%40police.example")"
$M kms revoke --db "$W/kms.db" sip:carol@police.example
$M kms fetch --url "$URL" --token "${TOK[carol]}" --ca "$W/tls.crt" --store "$W/carol.ks" || echo "(Carol is revoked: refused, nothing stored)"

step "The GMS sends Bob the group's GMK as a MIKEY-SAKKE I_MESSAGE, signed and encrypted with the fetched keys"
GMK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MSG=$($M mikey create --type gmk --key "$GMK" --key-id 0$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c2-8) \
      --from sip:gms@police.example --to sip:bob@police.example --store "$W/gms.ks")
echo "a=key-mgmt:mikey ${MSG:0:60}…"
echo "what the SIP core sees:"
$M mikey decode "$MSG" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("  CSB ID (GUK-ID)", d["hdr"]["csb_id"], "| IDRi", d["idr"][0]["id"], "| IDRr", d["idr"][1]["id"], "| SAKKE", d["sakke"]["sakke_data_len"], "bytes | ECCSI signature", d["sign"]["signature_len"], "bytes")'
echo "Bob opens it with his key store:"
$M mikey open --uri sip:bob@police.example --store "$W/bob.ks" "$MSG" | tee "$W/gmk.json"
[ "$(field "$W/gmk.json" key)" = "$GMK" ] || { echo "ERROR: GMK mismatch"; exit 1; }
if $M mikey open --uri sip:alice@police.example --store "$W/alice.ks" "$MSG" 2>/dev/null; then
  echo "ERROR: wrong recipient accepted"; exit 1; fi
echo "(Alice cannot open Bob's message)"

step "Private call: Alice sends Bob a PCK; Bob opens it"
PCK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MSG=$($M mikey create --type pck --key "$PCK" --key-id 1$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c2-8) \
      --from sip:alice@police.example --to sip:bob@police.example --store "$W/alice.ks")
$M mikey open --uri sip:bob@police.example --store "$W/bob.ks" "a=key-mgmt:mikey $MSG" | tee "$W/pck.json"
[ "$(field "$W/pck.json" key)" = "$PCK" ] || { echo "ERROR: PCK mismatch"; exit 1; }

step "KMS-managed CEK: Alice asks the KMS for a key shared with Bob; Bob fetches it by ID"
$M kms cek-create --url "$URL" --token "${TOK[alice]}" --ca "$W/tls.crt" --kms-uri $KMSURI --peer sip:bob@police.example >"$W/cek.json"
CEKID=$(field "$W/cek.json" cek_id)
$M kms cek-fetch --url "$URL" --token "${TOK[bob]}" --ca "$W/tls.crt" --kms-uri $KMSURI --cek-id "$CEKID" >"$W/cek2.json"
echo "CEK-ID $CEKID: Alice and Bob hold the same key: $([ "$(field "$W/cek.json" cek)" = "$(field "$W/cek2.json" cek)" ] && echo yes)"

step "What the KMS recorded (audit log, no secrets) and its store"
tail -n 4 "$W/audit.log" | cut -c1-110
$M kms stats --db "$W/kms.db"
kill $KPID; wait $KPID 2>/dev/null || true; KPID=

printf '\n%s== Underneath: the primitives, step by step%s\n' "$B" "$N"
step "KMS creates its ECCSI master key pair (KSAK secret, KPAK public)"
$M eccsi keygen >"$W/kms.json"
KSAK=$(field "$W/kms.json" ksak); KPAK=$(field "$W/kms.json" kpak)
echo "KPAK = $(short "$KPAK")"

step "Alice's identifier: SHA-256 of her MCPTT ID (the TS 33.180 UID comes with MIKEY)"
ALICE=$(printf 'sip:alice@police.example' | sha256sum | cut -c1-64)
echo "id(alice) = $ALICE"

step "KMS issues Alice's signing key (SSK secret, PVT public)"
$M eccsi issue --ksak "$KSAK" --id "$ALICE" >"$W/alice.json"
SSK=$(field "$W/alice.json" ssk); PVT=$(field "$W/alice.json" pvt)
echo "PVT = $(short "$PVT")   SSK delivered to Alice only"
echo "$SSK" >"$W/alice.ssk"; chmod 600 "$W/alice.ssk"

step "Alice validates the key she received against the KMS public key"
$M eccsi validate --kpak "$KPAK" --id "$ALICE" --ssk @"$W/alice.ssk" --pvt "$PVT"

step "Alice signs a message"
printf 'Unit 12: proceed to sector 4' >"$W/msg"
SIG=$($M eccsi sign --kpak "$KPAK" --id "$ALICE" --ssk @"$W/alice.ssk" --pvt "$PVT" --msg-file "$W/msg")
echo "message   = '$(cat "$W/msg")'"
echo "signature = $(short "$SIG") (r || s || PVT, 129 bytes)"

step "Bob verifies it knowing only the KMS public key and Alice's identity"
$M eccsi verify --kpak "$KPAK" --id "$ALICE" --msg-file "$W/msg" --sig "$SIG"

step "A tampered message is rejected"
printf 'Unit 12: proceed to sector 5' >"$W/msg2"
if $M eccsi verify --kpak "$KPAK" --id "$ALICE" --msg-file "$W/msg2" --sig "$SIG"; then
  echo "ERROR: tampered message accepted"; exit 1
fi
echo "(rejected, as it must be)"

step "A signature claimed for another identity is rejected"
MALLORY=$(printf 'sip:mallory@police.example' | sha256sum | cut -c1-64)
if $M eccsi verify --kpak "$KPAK" --id "$MALLORY" --msg-file "$W/msg" --sig "$SIG"; then
  echo "ERROR: wrong identity accepted"; exit 1
fi
echo "(rejected, as it must be)"

step "KMS creates its SAKKE master secret z and public key Z_T"
$M sakke keygen >"$W/sakke.json"
Z=$(field "$W/sakke.json" z); ZT=$(field "$W/sakke.json" zt)
echo "Z_T = $(short "$ZT")"

KMSOPT=(--kms-uri kms.police.example --period-len 2592000 --period-offset 0)
NOW=$(date +%s)
step "TS 33.180 UIDs for the current 30-day key period (hash of URI, KMS URI, period)"
declare -A UIDS SSKS PVTS RSKS
for u in sip:gms@police.example sip:alice@police.example sip:bob@police.example; do
  UIDS[$u]=$($M uid --uri "$u" "${KMSOPT[@]}" --time "$NOW")
  echo "UID($u) = ${UIDS[$u]}"
done

step "KMS issues each user's key set: SSK/PVT (signing) and RSK (decryption)"
for u in "${!UIDS[@]}"; do
  $M eccsi issue --ksak "$KSAK" --id "${UIDS[$u]}" >"$W/k.json"
  SSKS[$u]=$(field "$W/k.json" ssk); PVTS[$u]=$(field "$W/k.json" pvt)
  RSKS[$u]=$($M sakke issue --z "$Z" --id "${UIDS[$u]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rsk"])')
  echo "$u: PVT $(short "${PVTS[$u]}"), RSK issued"
done

step "Bob validates his RSK: <[b]P + Z_T, RSK> == g"
$M sakke validate --zt "$ZT" --id "${UIDS[sip:bob@police.example]}" --rsk "${RSKS[sip:bob@police.example]}"

step "A sender encapsulates a random 16-byte secret to Bob's identity; Bob decapsulates it"
$M sakke encap --zt "$ZT" --id "${UIDS[sip:bob@police.example]}" >"$W/enc.json"
SSV=$(field "$W/enc.json" ssv); SED=$(field "$W/enc.json" sed)
GOT=$($M sakke decap --zt "$ZT" --id "${UIDS[sip:bob@police.example]}" --rsk "${RSKS[sip:bob@police.example]}" --sed "$SED")
echo "sent $SSV, Bob got $GOT"
[ "$SSV" = "$GOT" ] || { echo "ERROR: SSV mismatch"; exit 1; }

step "A tampered encapsulation is rejected"
BAD=${SED:0:$((${#SED}-2))}$(printf '%02x' $(( (0x${SED: -2} + 1) % 256 )))
if $M sakke decap --zt "$ZT" --id "${UIDS[sip:bob@police.example]}" --rsk "${RSKS[sip:bob@police.example]}" --sed "$BAD"; then
  echo "ERROR: tampered encapsulation accepted"; exit 1
fi
echo "(rejected, as it must be)"

printf '\n%s== Calls: GMS keying, SRTP media, floor control, off-network (the KMS is stopped now)%s\n' "$B" "$N"
P=police.example
opened() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d["member"]==sys.argv[2]: print(d["sdp"])' "$1" "$2"; }
step "The GMS creates group police-1 (GMK, GMK-ID with purpose tag 0) with Alice, Bob and Carol"
$M gms create --group police-1@$P --store "$W/gms.ks" --state "$W/group.json" >/dev/null
for u in alice bob carol; do $M gms add --state "$W/group.json" --member sip:$u@$P >/dev/null; done
$M gms show --state "$W/group.json"
step "It distributes one GMK I_MESSAGE per member (CSB-ID = the member's GUK-ID); each member opens its own"
$M gms distribute --state "$W/group.json" --store "$W/gms.ks" >"$W/dist1.jsonl"
for u in alice bob carol; do
  $M mikey open --uri sip:$u@$P --store "$W/$u.ks" "$(opened "$W/dist1.jsonl" sip:$u@$P)" >"$W/$u.gmk1.json"
  echo "$u: GMK-ID $(field "$W/$u.gmk1.json" key_id), GUK-ID $(field "$W/$u.gmk1.json" guk_id), group $(field "$W/$u.gmk1.json" group)"
done
step "Alice asks for the floor and talks, then Bob (talker change); SRTP media and SRTCP floor control (AES-128-GCM, MKI = GMK-ID||GUK-ID)"
$M srtp protect --opened "$W/alice.gmk1.json" --member sip:alice@$P --ssrc 0xa1 --floor 0 --text "floor request" >"$W/f.srtcp"
$M srtp protect --opened "$W/alice.gmk1.json" --member sip:alice@$P --ssrc 0xa1 --count 3 --text "Alice: units to sector 4" >"$W/t.srtp"
$M srtp protect --opened "$W/bob.gmk1.json" --member sip:bob@$P --ssrc 0xb2 --count 3 --text "Bob: copy, en route" >>"$W/t.srtp"
echo "first SRTP packet on the wire: $(head -1 "$W/t.srtp" | cut -c1-72)…"
echo "Carol receives (she derives each talker's key from the MKI):"
$M srtp unprotect --opened "$W/carol.gmk1.json" --rtcp --in "$W/f.srtcp"
$M srtp unprotect --opened "$W/carol.gmk1.json" --in "$W/t.srtp" | sed -n '1p;4p'
step "Carol leaves the group: the GMS re-keys and sends the new GMK to Alice and Bob only"
$M gms remove --state "$W/group.json" --member sip:carol@$P
$M gms distribute --state "$W/group.json" --store "$W/gms.ks" >"$W/dist2.jsonl"
for u in alice bob; do
  $M mikey open --uri sip:$u@$P --store "$W/$u.ks" "$(opened "$W/dist2.jsonl" sip:$u@$P)" >"$W/$u.gmk2.json"
done
$M srtp protect --opened "$W/alice.gmk2.json" --member sip:alice@$P --ssrc 0xa1 --seq 10 --text "Alice: after the re-key" >"$W/t2.srtp"
echo -n "Bob:   "; $M srtp unprotect --opened "$W/bob.gmk2.json" --in "$W/t2.srtp"
echo -n "Carol: "; if $M srtp unprotect --opened "$W/carol.gmk1.json" --in "$W/t2.srtp"; then
  echo "ERROR: removed member decrypted"; exit 1; fi
step "Private call: Alice puts a PCK I_MESSAGE in the SDP offer; both directions (CS-ID 0 and 1) over SRTP"
PCK=$(openssl rand -hex 16)
MSG=$($M mikey create --type pck --key $PCK --key-id 1000beef --from sip:alice@$P --to sip:bob@$P --store "$W/alice.ks")
$M mikey open --uri sip:bob@$P --store "$W/bob.ks" "a=key-mgmt:mikey $MSG" >"$W/bob.pck.json"
cp "$W/bob.pck.json" "$W/alice.pck.json"   # the initiator's own record of the PCK and RAND
$M srtp protect --opened "$W/alice.pck.json" --cs-id 0 --ssrc 0x11 --text "Alice to Bob, private" |
  $M srtp unprotect --opened "$W/bob.pck.json" --cs-id 0
$M srtp protect --opened "$W/bob.pck.json" --cs-id 1 --ssrc 0x22 --text "Bob to Alice, private" |
  $M srtp unprotect --opened "$W/alice.pck.json" --cs-id 1
step "Off-network: Alice and Bob export their key sets and current GMK (passphrase-encrypted), import on their radios"
for u in alice bob; do
  echo "$u's radio passphrase" >"$W/$u.pass"; mkdir -p "$W/$u-radio"
  $M keystore export --store "$W/$u.ks" --out "$W/$u.offnet" --periods 2 --export-passphrase-file "$W/$u.pass" \
    --gmk-state "$W/$u.gmk2.json"
  $M keystore import --store "$W/$u-radio/$u.ks" --in "$W/$u.offnet" --export-passphrase-file "$W/$u.pass" --gmk-dir "$W/$u-radio"
done
echo wrong >"$W/wrong.pass"
$M keystore import --store "$W/x.ks" --in "$W/alice.offnet" --export-passphrase-file "$W/wrong.pass" 2>&1 || true
step "Off-network group call from the imported keys (no KMS, no GMS)"
$M srtp protect --opened "$W/alice-radio/alice.gmk2.json" --member sip:alice@$P --ssrc 0xa1 --seq 500 --text "Alice, off-network" |
  $M srtp unprotect --opened "$W/bob-radio/bob.gmk2.json"

step "MCPTT over SIP through Kamailio: S/MIME-protected identities, the CEK over MIKEY-SAKKE (#14) or from the KMS (#13)"
if command -v kamailio >/dev/null && command -v tshark >/dev/null; then
  fp() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
  SP=$(fp) PP=$(fp); PSI=sip:mcptt-server@127.0.0.1:$SP
  $M cert selfsign --cn mcptt-server --uri "$PSI" --key-type rsa --key-out "$W/srv.key" --cert-out "$W/srv.crt" >/dev/null
  $K --listen 127.0.0.1:0 --tls-cert "$W/tls.crt" --tls-key "$W/tls.key" --db "$W/kms2.db" \
     --master-key-file "$W/master2.key" --kms-uri $KMSURI --idm-issuer $ISS --idm-audience $AUD \
     --idm-key "$W/idm.pub" --server-cert "$W/srv.crt" >"$W/kmsd2.out" 2>"$W/kmsd2.err" &
  KPID=$!
  for _ in $(seq 100); do grep -q listening "$W/kmsd2.out" 2>/dev/null && break; sleep 0.1; done
  URL2=$(sed -n 's/.*listening on //p' "$W/kmsd2.out")
  for u in sip:alice@$P sip:bob@$P "$PSI"; do
    n=${u#sip:}; n=${n%%@*}
    $M idm token --key "$W/idm.key" --iss $ISS --aud $AUD --id "$u" >"$W/$n.tok"
    $M kms fetch --url "$URL2" --token "@$W/$n.tok" --ca "$W/tls.crt" --store "$W/m-$n.ks" >/dev/null
  done
  echo "the KMS delivered the MCPTT server certificate in KmsInit: $($M keystore show --store "$W/m-alice.ks" --server-cert | openssl x509 -noout -subject)"
  tshark -i lo -f "udp port $PP" -w "$W/proxy.pcap" >/dev/null 2>"$W/tshark.err" & TPID=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$W/tshark.err" 2>/dev/null && break; sleep 0.1; done
  kamailio -f tests/kamailio/proxy.cfg -DD -E -l udp:127.0.0.1:$PP -P "$W/k.pid" -Y "$W" >"$W/kam.log" 2>&1 &
  $M mcptt server --listen 127.0.0.1:$SP --uri "$PSI" --store "$W/m-mcptt-server.ks" --kms-url "$URL2" \
     --token "@$W/mcptt-server.tok" --ca "$W/tls.crt" --log "$W/server.jsonl" 2>/dev/null & SPID=$!
  sleep 1
  echo "Kamailio on udp:127.0.0.1:$PP forwards to the MCPTT server $PSI"
  echo "-- Alice (#14): INVITE with a MIKEY-SAKKE CEK I_MESSAGE in the SDP, identities in a protected part"
  $M mcptt client send --proxy 127.0.0.1:$PP --to "$PSI" --from sip:alice@$P --store "$W/m-alice.ks" --cek mikey \
     --method INVITE --calling sip:alice.mcptt@mcx.$P --called sip:dispatch@mcx.$P --group sip:tac-1@mcx.$P --state "$W/alice.sess"
  echo "-- Alice: a later MESSAGE, the whole body under the session CEK"
  $M mcptt client send --proxy 127.0.0.1:$PP --to "$PSI" --reuse "$W/alice.sess" --calling sip:alice.mcptt@mcx.$P
  echo "-- Bob (#13): a KMS-managed CEK for the server's PSI; the server fetches it by its ID"
  $M mcptt client send --proxy 127.0.0.1:$PP --to "$PSI" --from sip:bob@$P --store "$W/m-bob.ks" --cek kms \
     --kms-url "$URL2" --token "@$W/bob.tok" --ca "$W/tls.crt" --calling sip:bob.mcptt@mcx.$P --called sip:dispatch@mcx.$P
  echo "-- Alice ends the session (BYE): the server drops the key; a body under it is now refused"
  $M mcptt client bye --proxy 127.0.0.1:$PP --state "$W/alice.sess"
  $M mcptt client send --proxy 127.0.0.1:$PP --to "$PSI" --reuse "$W/alice.sess" --calling sip:alice.mcptt@mcx.$P 2>&1 || true
  sleep 0.5; kill $TPID $SPID; kill "$(cat "$W/k.pid")" 2>/dev/null; wait $TPID $SPID 2>/dev/null || true
  echo "-- What the MCPTT server recovered:"
  cat "$W/server.jsonl"
  echo "-- What the proxy saw (tshark, one INVITE's body):"
  tshark -r "$W/proxy.pcap" -Y 'sip.Method == "INVITE"' -V 2>/dev/null | grep -E "Content-Type|key-mgmt|pkcs7|Media Type" | cut -c1-110 | head -8
  printf 'MCPTT identities in the capture: %s\n' "$(grep -c -a -e 'alice.mcptt' -e 'bob.mcptt' -e 'tac-1' "$W/proxy.pcap")"
  kill $KPID; wait $KPID 2>/dev/null || true; KPID=
else
  echo "(kamailio or tshark not installed: scripts/install-deps.sh)"
fi

printf '\ndemo complete.\n'

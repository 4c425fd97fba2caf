#!/usr/bin/env bash
# Calls end to end (issue 7) through the CLI: mcsec-kmsd on loopback, a GMS and
# three members fetch their key sets; the GMS keys the group; members open
# their GMKs; two talk in turn over SRTP with floor control as SRTCP; a member
# is removed and cannot decrypt after the re-key; a revoked GMK is refused; a
# private call both ways; then keys are exported, the KMS is stopped, and an
# off-network call runs from the imported keys.
set -u
MCSEC=${1:?usage: calls_e2e.sh MCSEC MCSEC_KMSD}
KMSD=${2:?}
T=$(mktemp -d)
KPID=
cleanup() { [ -n "$KPID" ] && kill "$KPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
has() { if grep -q -- "$2" <<<"$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: no '$2' in: $1" >&2; fi; }
M=$MCSEC

ISS=https://idm.example.org AUD=mcsec-kms KMS=kms.example.org
GMS=sip:gms@example.org ALICE=sip:alice@example.org BOB=sip:bob@example.org CAROL=sip:carol@example.org
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
  -out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/idm.key" 2>/dev/null
openssl pkey -in "$T/idm.key" -pubout -out "$T/idm.pub"

"$KMSD" --listen 127.0.0.1:0 --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" --db "$T/kms.db" \
  --master-key-file "$T/master.key" --kms-uri $KMS --idm-issuer $ISS --idm-audience $AUD \
  --idm-key "$T/idm.pub" --audit-log "$T/audit.log" --threads 2 >"$T/kmsd.out" 2>>"$T/kmsd.err" &
KPID=$!
for _ in $(seq 100); do
  PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$T/kmsd.out")
  [ -n "$PORT" ] && break
  sleep 0.1
done
URL=https://127.0.0.1:$PORT
check "$([ -n "$PORT" ] && echo up)" up "kmsd listening"
tok() { "$M" idm token --key "$T/idm.key" --iss $ISS --aud $AUD --id "$1"; }
name() { sed 's|sip:\([a-z]*\)@.*|\1|' <<<"$1"; }

# the GMS and three members fetch their key sets (current + next period)
for u in $GMS $ALICE $BOB $CAROL; do
  "$M" kms fetch --url "$URL" --token "$(tok $u)" --ca "$T/tls.crt" --store "$T/$(name $u).ks" >/dev/null
  check $? 0 "fetch $(name $u)"
done

# the GMS keys the group
"$M" gms --help | grep -q distribute; check $? 0 "gms --help"
out=$("$M" gms create --group police-1@example.org --store "$T/gms.ks" --state "$T/group.json")
check $? 0 "gms create"
has "$out" "\"gms\": \"$GMS\"" "GMS identity from its store"
check "$(stat -c %a "$T/group.json")" 600 "group state 0600"
"$M" gms create --group x --store "$T/gms.ks" --state "$T/group.json" >/dev/null 2>&1
check $? 2 "create refuses an existing group"
for u in $ALICE $BOB $CAROL; do "$M" gms add --state "$T/group.json" --member $u >/dev/null; done
"$M" gms add --state "$T/group.json" --member $BOB >/dev/null 2>&1; check $? 1 "duplicate member"
GMKID1=$("$M" gms show --state "$T/group.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gmk_id"])')
check "${GMKID1:0:1}" 0 "GMK-ID purpose tag 0"
"$M" gms distribute --state "$T/group.json" --store "$T/gms.ks" >"$T/dist1.jsonl"
check $? 0 "distribute"
check "$(wc -l <"$T/dist1.jsonl")" 3 "one I_MESSAGE per member"
sdp_of() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d["member"]==sys.argv[2]: print(d["sdp"])' "$1" "$2"; }
guk_of() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d["member"]==sys.argv[2]: print(d["guk_id"])' "$1" "$2"; }
# members open their GMKs
for u in $ALICE $BOB $CAROL; do
  n=$(name $u)
  "$M" mikey open --uri $u --store "$T/$n.ks" "$(sdp_of "$T/dist1.jsonl" $u)" >"$T/$n.gmk1.json"
  check $? 0 "$n opens its GMK"
  o=$(cat "$T/$n.gmk1.json")
  has "$o" "\"key_id\": \"$GMKID1\"" "$n: GMK-ID"
  has "$o" "\"guk_id\": \"$(guk_of "$T/dist1.jsonl" $u)\"" "$n: its GUK-ID"
  has "$o" '"group": "police-1@example.org"' "$n: key parameters name the group"
done
"$M" mikey open --uri $CAROL --store "$T/carol.ks" "$(sdp_of "$T/dist1.jsonl" $ALICE)" >/dev/null 2>&1
check $? 1 "carol cannot open alice's message"
# the GUK-ID the GMS used = the one 'srtp derive --member' computes
GMK1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/alice.gmk1.json")
RAND1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rand"])' "$T/alice.gmk1.json")
mki=$("$M" srtp derive --key $GMK1 --key-id $GMKID1 --rand $RAND1 --cs-id 4 --member $BOB)
has "$mki" "\"mki\": \"$GMKID1$(guk_of "$T/dist1.jsonl" $BOB)\"" "MKI = GMK-ID || bob's GUK-ID"

# alice talks, then bob (talker change), each with floor control as SRTCP
"$M" srtp protect --opened "$T/alice.gmk1.json" --member $ALICE --ssrc 0xaaaa0001 --seq 65530 --count 12 --text "alice speaking" >"$T/a.srtp"
check $? 0 "alice protects"
"$M" srtp protect --opened "$T/alice.gmk1.json" --member $ALICE --ssrc 0xaaaa0001 --floor 0 --text "floor request" >"$T/a.srtcp"
"$M" srtp protect --opened "$T/bob.gmk1.json" --member $BOB --ssrc 0xbbbb0002 --count 12 --text "bob answering" >"$T/b.srtp"
"$M" srtp protect --opened "$T/bob.gmk1.json" --member $BOB --ssrc 0xbbbb0002 --floor 4 --text "release" >"$T/b.srtcp"
grep -q "alice speaking" <(xxd -r -p "$T/a.srtp"); check $? 1 "media is encrypted"
cat "$T/a.srtp" "$T/b.srtp" >"$T/talk1.srtp"
for n in alice bob carol; do
  out=$("$M" srtp unprotect --opened "$T/$n.gmk1.json" --in "$T/talk1.srtp")
  check $? 0 "$n decrypts both talkers"
  check "$(grep -c '"text": "alice speaking"' <<<"$out")/$(grep -c '"text": "bob answering"' <<<"$out")" 12/12 "$n: every packet of both talkers"
  out=$(cat "$T/a.srtcp" "$T/b.srtcp" | "$M" srtp unprotect --opened "$T/$n.gmk1.json" --rtcp)
  check $? 0 "$n reads floor control"
  has "$out" '"floor": 0, "name": "MCPT", "text": "floor request"' "$n: floor request"
  has "$out" '"floor": 4, "name": "MCPT", "text": "release"' "$n: floor release"
done
# replayed and tampered packets are rejected
cat "$T/a.srtp" "$T/a.srtp" | "$M" srtp unprotect --opened "$T/bob.gmk1.json" >"$T/rep.out"
check $? 1 "replay rejected"
check "$(grep -c '"ok": false' "$T/rep.out")" 12 "every replayed packet"
flip() { python3 -c 'import sys; s=sys.stdin.readline().strip(); i=int(sys.argv[1]); print(s[:i]+("1" if s[i]=="0" else "0")+s[i+1:])' "$1"; }
head -1 "$T/a.srtcp" | flip 20 | "$M" srtp unprotect --opened "$T/bob.gmk1.json" --rtcp >/dev/null
check $? 1 "tampered SRTCP rejected"
sed -n 2p "$T/b.srtp" | flip 40 | "$M" srtp unprotect --opened "$T/alice.gmk1.json" >/dev/null
check $? 1 "tampered SRTP rejected"

# carol is removed: re-key, GMK2 to alice and bob only
out=$("$M" gms remove --state "$T/group.json" --member $CAROL)
check $? 0 "remove carol"
GMKID2=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["gmk_id"])' <<<"$out")
check "$([ "$GMKID2" != "$GMKID1" ] && echo new)" new "removal re-keys"
"$M" gms distribute --state "$T/group.json" --store "$T/gms.ks" >"$T/dist2.jsonl"
check "$(wc -l <"$T/dist2.jsonl")" 2 "GMK2 to the two remaining members"
check "$(grep -c "$CAROL" "$T/dist2.jsonl")" 0 "carol gets no GMK2"
for u in $ALICE $BOB; do
  n=$(name $u)
  "$M" mikey open --uri $u --store "$T/$n.ks" "$(sdp_of "$T/dist2.jsonl" $u)" >"$T/$n.gmk2.json"
  check $? 0 "$n opens GMK2"
done
"$M" mikey open --uri $CAROL --store "$T/carol.ks" "$(sdp_of "$T/dist2.jsonl" $ALICE)" >/dev/null 2>&1
check $? 1 "carol cannot open GMK2"
"$M" srtp protect --opened "$T/alice.gmk2.json" --member $ALICE --ssrc 0xaaaa0001 --seq 100 --count 5 --text "after rekey" >"$T/a2.srtp"
out=$("$M" srtp unprotect --opened "$T/bob.gmk1.json" --opened "$T/bob.gmk2.json" --in "$T/a2.srtp")
check "$?/$(grep -c '"text": "after rekey"' <<<"$out")" 0/5 "bob decrypts after the re-key"
out=$("$M" srtp unprotect --opened "$T/carol.gmk1.json" --in "$T/a2.srtp")
check "$?/$(grep -c '"error": "not found"' <<<"$out")" 1/5 "carol is locked out (no key for GMK2's MKI)"
# revocation
"$M" gms revoke --state "$T/group.json" >/dev/null
"$M" gms distribute --state "$T/group.json" --store "$T/gms.ks" --member $BOB >"$T/dist3.jsonl"
"$M" mikey open --uri $BOB --store "$T/bob.ks" "$(sdp_of "$T/dist3.jsonl" $BOB)" >/dev/null 2>"$T/err"
check $? 1 "a revoked GMK is refused"
has "$(cat "$T/err")" "revoked" "revoked: reason"

# a private call: alice keys a PCK to bob (in the SDP of the call setup)
PCK=$(openssl rand -hex 16) PCKID=1$(openssl rand -hex 4 | cut -c2-8)
"$M" mikey create --type pck --key $PCK --key-id $PCKID --from $ALICE --to $BOB --store "$T/alice.ks" >"$T/pck.msg"
"$M" mikey open --uri $BOB --store "$T/bob.ks" "a=key-mgmt:mikey $(cat "$T/pck.msg")" >"$T/bob.pck.json"
check $? 0 "bob opens the PCK"
# alice keeps the PCK as its own 'opened' record (same RAND from the message)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[2],"w"))' "$T/bob.pck.json" "$T/alice.pck.json"
"$M" srtp protect --opened "$T/alice.pck.json" --cs-id 0 --ssrc 0x11110001 --count 4 --text "hello bob" >"$T/p0.srtp"
"$M" srtp protect --opened "$T/bob.pck.json" --cs-id 1 --ssrc 0x22220002 --count 4 --text "hello alice" >"$T/p1.srtp"
out=$("$M" srtp unprotect --opened "$T/bob.pck.json" --cs-id 0 --in "$T/p0.srtp")
check "$?/$(grep -c '"text": "hello bob"' <<<"$out")" 0/4 "private call alice -> bob"
out=$("$M" srtp unprotect --opened "$T/alice.pck.json" --cs-id 1 --in "$T/p1.srtp")
check "$?/$(grep -c '"text": "hello alice"' <<<"$out")" 0/4 "private call bob -> alice"
"$M" srtp unprotect --opened "$T/alice.pck.json" --cs-id 1 --in "$T/p0.srtp" >/dev/null
check $? 1 "a direction's key does not open the other direction"

# off-network: a fresh GMK for alice and bob, then each exports its key sets
# for three periods (fetching the missing ones) and its GMK
"$M" gms rekey --state "$T/group.json" >/dev/null
"$M" gms distribute --state "$T/group.json" --store "$T/gms.ks" >"$T/dist4.jsonl"
for u in $ALICE $BOB; do
  n=$(name $u)
  "$M" mikey open --uri $u --store "$T/$n.ks" "$(sdp_of "$T/dist4.jsonl" $u)" >"$T/$n.gmk.json"
  echo "$n's off-network passphrase" >"$T/$n.pass"
  out=$("$M" keystore export --store "$T/$n.ks" --out "$T/$n.offnet" --periods 3 --export-passphrase-file "$T/$n.pass" \
        --gmk-state "$T/$n.gmk.json" --url "$URL" --token "$(tok $u)" --ca "$T/tls.crt")
  check $? 0 "$n exports"
  has "$out" '"periods": 3, "gmk_files": 1' "$n: 3 periods + its GMK"
  check "$(stat -c %a "$T/$n.offnet")" 600 "$n: export file 0600"
done
grep -q "$ALICE" "$T/alice.offnet"; check $? 1 "the export is encrypted"
# wrong passphrase: rejected, nothing imported
echo wrong >"$T/wrong.pass"
mkdir -p "$T/alice-dev" "$T/bob-dev"
"$M" keystore import --store "$T/alice-dev/alice.ks" --in "$T/alice.offnet" --export-passphrase-file "$T/wrong.pass" \
  --gmk-dir "$T/alice-dev" >/dev/null 2>"$T/err"
check $? 1 "wrong passphrase rejected"
has "$(cat "$T/err")" "nothing imported" "wrong passphrase: reason"
check "$(ls "$T/alice-dev" | wc -l)" 0 "wrong passphrase: no store, no GMK file written"
# the KMS goes away; the devices import and call with no KMS or GMS
kill -TERM "$KPID"; wait "$KPID"; KPID=
"$M" kms fetch --url "$URL" --token "$(tok $ALICE)" --ca "$T/tls.crt" --store "$T/x.ks" >/dev/null 2>&1
check $? 2 "the KMS is down"
for n in alice bob; do
  out=$("$M" keystore import --store "$T/$n-dev/$n.ks" --in "$T/$n.offnet" --export-passphrase-file "$T/$n.pass" \
        --gmk-dir "$T/$n-dev")
  check $? 0 "$n imports"
  has "$out" '"new_key_sets": 3, "gmk_files": 1' "$n: 3 key sets + GMK"
done
# off-network group call from the imported GMKs, floor control included
"$M" srtp protect --opened "$T/alice-dev/alice.gmk.json" --member $ALICE --ssrc 0xaaaa0009 --count 5 --text "offnet alice" >"$T/o.srtp"
"$M" srtp protect --opened "$T/alice-dev/alice.gmk.json" --member $ALICE --ssrc 0xaaaa0009 --floor 0 >"$T/o.srtcp"
out=$("$M" srtp unprotect --opened "$T/bob-dev/bob.gmk.json" --in "$T/o.srtp")
check "$?/$(grep -c '"text": "offnet alice"' <<<"$out")" 0/5 "off-network group call"
out=$("$M" srtp unprotect --opened "$T/bob-dev/bob.gmk.json" --rtcp --in "$T/o.srtcp")
has "$out" '"floor": 0, "name": "MCPT"' "off-network floor control"
# off-network private call two periods ahead: only the exported key sets cover it
LATER=$(( $(date +%s) + 60 * 86400 ))
PCK2=$(openssl rand -hex 16)
"$M" mikey create --type pck --key $PCK2 --key-id 10000777 --from $ALICE --to $BOB --store "$T/alice-dev/alice.ks" --time $LATER >"$T/pck2.msg"
check $? 0 "off-network PCK (period +2) from the imported store"
"$M" mikey open --uri $BOB --store "$T/bob-dev/bob.ks" --now $LATER "$(cat "$T/pck2.msg")" >"$T/bob-dev/pck.json"
check $? 0 "bob opens it off-network"
"$M" srtp protect --opened "$T/bob-dev/pck.json" --cs-id 1 --ssrc 0x22220009 --count 3 --text "offnet bob" >"$T/op.srtp"
out=$("$M" srtp unprotect --opened "$T/bob-dev/pck.json" --cs-id 1 --in "$T/op.srtp")
check "$?/$(grep -c '"text": "offnet bob"' <<<"$out")" 0/3 "off-network private call"

echo "calls_e2e: $pass passed, $fail failed"
[ $fail = 0 ]

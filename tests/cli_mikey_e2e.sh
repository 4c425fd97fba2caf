#!/usr/bin/env bash
# mcsec mikey create / open as the acceptance check uses them: a KMS, a GMS and
# two users, a GMK, a PCK, a CSK and a CEK, and the rejections (exit 1).
set -u
M=${1:?}
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
j() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
KMS="--kms-uri kms.example.org --period-len 2592000 --period-offset 0"
NOW=1700000000
E=$($M eccsi keygen); ksak=$(echo "$E" | j ksak); kpak=$(echo "$E" | j kpak)
S=$($M sakke keygen); z=$(echo "$S" | j z); zt=$(echo "$S" | j zt)
declare -A SSK PVT RSK
for u in sip:gms@example.org sip:alice@example.org sip:bob@example.org; do
  uid=$($M uid --uri $u $KMS --time $NOW)
  I=$($M eccsi issue --ksak $ksak --id $uid); SSK[$u]=$(echo "$I" | j ssk); PVT[$u]=$(echo "$I" | j pvt)
  RSK[$u]=$($M sakke issue --z $z --id $uid | j rsk)
done
create() { # type key key-id from to [extra]
  $M mikey create --type $1 --key $2 --key-id $3 --from $4 --to $5 $KMS --kpak $kpak --zt $zt \
     --ssk ${SSK[$4]} --pvt ${PVT[$4]} --time $NOW "${@:6}"; }
open_as() { # uri msg [extra]
  $M mikey open --uri $1 $KMS --kpak $kpak --zt $zt --rsk ${RSK[$1]} --now $((NOW + 5)) "${@:3}" "$2"; }
GMK=fcfe65cd967c58d260b603ccb9a887a9
msg=$(create gmk $GMK 09bf9d37 sip:gms@example.org sip:bob@example.org)
out=$(open_as sip:bob@example.org "$msg")
check "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["type"], d["key"], d["key_id"], d["initiator"], d["responder"], d["time"])')" \
      "gmk $GMK 09bf9d37 sip:gms@example.org sip:bob@example.org $NOW" "GMK open"
check "$(echo "$out" | j guk_id | wc -c)" 9 "GUK-ID present"
# decode of our message shows the GENERIC-ID map with MKI = GMK-ID || GUK-ID
check "$($M mikey decode "$msg" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hdr"]["cs_id_map"][0]["spi"][:8], d["sakke"]["id_scheme"])')" "09bf9d37 2" "GMK decode"
PCK=00112233445566778899aabbccddeeff
msg=$(create pck $PCK 1000abcd sip:alice@example.org sip:bob@example.org --rand 0102030405060708090a0b0c0d0e0f10)
check "$(open_as sip:bob@example.org "a=key-mgmt:mikey $msg" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["type"], d["key"], d["key_id"])')" "pck $PCK 1000abcd" "PCK open (SDP form)"
check "$(create csk $PCK 2000beef sip:alice@example.org sip:bob@example.org | { read m; open_as sip:bob@example.org "$m" | j type; })" "csk" "CSK"
cek=$(create cek $PCK f0000001 sip:alice@example.org sip:bob@example.org | { read m; open_as sip:bob@example.org "$m" | j key; })
check "${#cek}" 64 "CEK is 32 bytes"
# rejections
open_as sip:alice@example.org "$msg" >/dev/null 2>&1; check $? 1 "wrong responder"
$M mikey open --uri sip:bob@example.org $KMS --kpak $kpak --zt $zt --rsk ${RSK[sip:bob@example.org]} --now $((NOW + 400)) "$msg" >/dev/null 2>&1; check $? 1 "expired"
$M mikey open --uri sip:bob@example.org $KMS --kpak $kpak --zt $zt --rsk ${RSK[sip:bob@example.org]} --now $((NOW - 400)) "$msg" >/dev/null 2>&1; check $? 1 "future"
bad=$(echo "$msg" | base64 -d | python3 -c 'import sys; b=bytearray(sys.stdin.buffer.read()); b[60]^=1; sys.stdout.buffer.write(b)' | base64 -w0)
open_as sip:bob@example.org "$bad" >/dev/null 2>&1; check $? 1 "flipped bit"
create pck $PCK 2000abcd sip:alice@example.org sip:bob@example.org >/dev/null 2>&1; check $? 2 "key-id purpose mismatch"
# signing as Bob with Alice's key: the key does not validate for Bob's UID
$M mikey create --type pck --key $PCK --key-id 1000abcd --from sip:bob@example.org --to sip:alice@example.org $KMS \
   --kpak $kpak --zt $zt --ssk ${SSK[sip:alice@example.org]} --pvt ${PVT[sip:alice@example.org]} --time $NOW >/dev/null 2>&1
check $? 2 "someone else's signing key"
$M mikey create --help >/dev/null; check $? 0 "help"
echo "cli_mikey_e2e: $pass passed, $fail failed"
[ $fail = 0 ]

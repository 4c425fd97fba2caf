#!/usr/bin/env bash
# mcsec mikey decode: every input form, JSON fields, and rejections.
set -u
MCSEC=${1:?}; CORPUS=${2:?}
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
B=$(base64 -w0 "$CORPUS/gmk_shape")
field='import json,sys; d=json.load(sys.stdin); print(d["hdr"]["csb_id"], d["t"]["utc"], d["idr"][1]["id"], d["sakke"]["id_scheme"], d["sign"]["signature_len"])'
want="01c8de7b 2014-02-23T08:39:14Z sip:p25user01@etherstack.com 2 129"
check "$($MCSEC mikey decode "$B" | python3 -c "$field")" "$want" "bare base64"
check "$($MCSEC mikey decode "mikey $B" | python3 -c "$field")" "$want" "mikey prefix"
printf 'a=key-mgmt:mikey %s\r\n' "$B" >$T/sdp
check "$($MCSEC mikey decode --in $T/sdp | python3 -c "$field")" "$want" "SDP line from file"
# hidden identities print as hex
check "$($MCSEC mikey decode "$(base64 -w0 "$CORPUS/pck_hidden")" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["idr"][0]["role_name"], d["idr"][0]["id_hex"][:8], d["hdr"]["cs_id_map_type"])')" "IDRuidi 11111111 1" "hidden ids"
# rejections: not base64, another protocol, truncated message, no input
$MCSEC mikey decode 'a=key-mgmt:mikey !!!!' >/dev/null 2>&1; check $? 1 "bad base64"
$MCSEC mikey decode "a=key-mgmt:kerberos $B" >/dev/null 2>&1; check $? 1 "other protocol"
head -c 200 "$CORPUS/gmk_shape" >$T/trunc
$MCSEC mikey decode "$(base64 -w0 $T/trunc)" >/dev/null 2>$T/err; check $? 1 "truncated"
check "$(cat $T/err)" "mcsec: mikey decode: input truncated at octet 187" "truncation message (SAKKE data starts at 187)"
$MCSEC mikey decode >/dev/null 2>&1; check $? 2 "no input"
$MCSEC mikey decode --help >/dev/null; check $? 0 "help"
echo "cli_mikey: $pass passed, $fail failed"
[ $fail = 0 ]

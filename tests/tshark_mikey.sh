#!/usr/bin/env bash
# Our PCK I_MESSAGE (empty CS ID map), in the SDP of a SIP INVITE sent over
# UDP on loopback, is decoded by tshark's MIKEY dissector: the SAKKE and SIGN
# payloads are shown and tshark reports no malformed packet or expert error.
# Debian's tshark 4.0 dissects key-mgmt only as a session-level attribute,
# so the test sends it there (RFC 4567 §3.1 allows either level).
# (Debian's tshark 4.0 does not know RFC 6043's GENERIC-ID map, so GMK and CSK
# messages cannot be checked this way.)
set -u
M=${1:?usage: tshark_mikey.sh path/to/mcsec}
command -v tshark >/dev/null || { echo "tshark_mikey: tshark missing (scripts/install-deps.sh installs it)"; exit 1; }
T=$(mktemp -d); trap 'kill $TS 2>/dev/null; rm -rf "$T"' EXIT
j() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
KMS="--kms-uri kms.example.org --period-len 2592000 --period-offset 0"
NOW=$(date +%s)
E=$($M eccsi keygen); ksak=$(echo "$E" | j ksak); kpak=$(echo "$E" | j kpak)
S=$($M sakke keygen); z=$(echo "$S" | j z); zt=$(echo "$S" | j zt)
uid=$($M uid --uri sip:alice@example.org $KMS --time $NOW)
I=$($M eccsi issue --ksak $ksak --id $uid)
MSG=$($M mikey create --type pck --key 00112233445566778899aabbccddeeff --key-id 1000abcd \
      --from sip:alice@example.org --to sip:bob@example.org $KMS --kpak $kpak --zt $zt \
      --ssk $(echo "$I" | j ssk) --pvt $(echo "$I" | j pvt) --time $NOW) || exit 1
PORT=$((20000 + RANDOM % 20000))
tshark -i lo -f "udp port $PORT" -a duration:8 -w $T/cap.pcapng >$T/ts.log 2>&1 & TS=$!
sleep 2.5
python3 - "$PORT" "$MSG" <<'PY'
import socket, sys
port, msg = int(sys.argv[1]), sys.argv[2]
# session-level key-mgmt (RFC 4567 §3.1 allows session or media level)
sdp = ("v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "a=key-mgmt:mikey " + msg + "\r\nm=audio 40000 RTP/SAVP 0\r\n")
sip = ("INVITE sip:bob@example.org SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-mcsec1\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=1\r\nTo: <sip:bob@example.org>\r\n"
       "Call-ID: mcsec-tshark-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\n"
       "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp)) + sdp
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sip.encode(), ("127.0.0.1", port))
PY
wait $TS
pass=0 fail=0
check() { if [ "$1" = 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2" >&2; fi; }
tshark -r $T/cap.pcapng -d udp.port==$PORT,sip -V >$T/dis.txt 2>&1
check "$(grep -c 'Multimedia Internet KEYing' $T/dis.txt | awk '{print ($1>0)}')" "MIKEY dissected"
check "$(grep -c 'SAKKE data length: 273' $T/dis.txt | awk '{print ($1>0)}')" "SAKKE payload shown"
check "$(grep -c 'Signature type: ECCSI (2)' $T/dis.txt | awk '{print ($1>0)}')" "SIGN payload shown"
check "$(grep -c 'Signature len: 129' $T/dis.txt | awk '{print ($1>0)}')" "SIGN length 129"
check "$(grep -Eic 'malformed|Expert Info \((Error|Warning)' $T/dis.txt | awk '{print ($1==0)}')" "no malformed packet or expert error"
if [ $fail != 0 ]; then sed -n '/Multimedia Internet KEYing/,$p' $T/dis.txt | head -60; cat $T/ts.log; fi
echo "tshark_mikey: $pass passed, $fail failed"
[ $fail = 0 ]

#!/usr/bin/env bash
# S/MIME in SIP, interop with `openssl cms` both ways:
#  1. openssl decrypts and verifies every form `mcsec smime protect` emits
#     (the body bytes cut out of the SIP message);
#  2. `mcsec smime unprotect` opens what openssl emits (KEKRI, KTRI, signed,
#     nested both ways), wrapped in a SIP message here;
#  plus the CLI contract: usage errors exit 2, rejections exit 1, no output on failure.
set -u
MCSEC=${1:?usage: smime_openssl.sh MCSEC VECTOR_DIR}
V=${2:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0 fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2" >&2; fi; }
K=000102030405060708090A0B0C0D0E0F
K32=101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F
I=2DDD5BF0
ID='sip:mcptt-id-alice@mcptt.example.org'

$MCSEC cert selfsign --cn alice --uri sip:alice@example.org --key-out a.key --cert-out a.crt
$MCSEC cert selfsign --cn server --key-type rsa --key-out s.key --cert-out s.crt
$MCSEC cert selfsign --cn server-ec --key-out e.key --cert-out e.crt
$MCSEC cert selfsign --cn alice --key-out m.key --cert-out m.crt   # same name, other key
ok $? "cert selfsign"
openssl x509 -in s.crt -noout -ext subjectAltName >/dev/null 2>&1
openssl verify -CAfile a.crt -purpose smimesign a.crt >/dev/null 2>&1; ok $? "self-signed cert verifies as its own anchor"

# body FILE.sip > FILE.der: the octets after the first empty line
body() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[d.index(b"\r\n\r\n")+4:])' "$1"; }
# entity FILE.sip > FILE.mime: the MIME entity we protect (Content-* fields of the message, body)
entity() { python3 -c '
import sys
d=open(sys.argv[1],"rb").read(); i=d.index(b"\r\n\r\n")
hs=[h for h in d[:i].split(b"\r\n")[1:]]
keep=[h for h in hs if h.lower().split(b":")[0].strip() in (b"content-type",b"content-disposition",b"content-transfer-encoding")]
sys.stdout.buffer.write(b"\r\n".join(keep)+b"\r\n\r\n"+d[i+4:])' "$1"; }
# sip TYPE FILE.der > FILE.sip: a SIP MESSAGE carrying DER as application/pkcs7-mime
sip() { python3 -c '
import sys
b=open(sys.argv[2],"rb").read()
h=("MESSAGE sip:server@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK9\r\n"
   "From: <sip:alice@example.org>;tag=9\r\nTo: <sip:server@example.org>\r\nCall-ID: ossl@192.0.2.1\r\n"
   "CSeq: 9 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\r\n"
   "Content-Disposition: attachment; handling=required; filename=smime.p7m\r\nContent-Length: %d\r\n\r\n") % (sys.argv[1], len(b))
sys.stdout.buffer.write(h.encode()+b)' "$1" "$2"; }
# restored WANT.sip GOT.sip: GOT has WANT's body and all of its Content-* fields
restored() { python3 - "$1" "$2" <<'EOF'
import sys
want=open(sys.argv[1],'rb').read(); got=open(sys.argv[2],'rb').read()
w=want[want.index(b"\r\n\r\n"):]; g=got[got.index(b"\r\n\r\n"):]
cf=[h for h in want.split(b"\r\n\r\n")[0].split(b"\r\n") if h.lower().startswith(b"content-")]
sys.exit(0 if w==g and all(b"\r\n"+h+b"\r\n" in got for h in cf) else 1)
EOF
}
# nested TYPE FILE.der > FILE.mime: DER as an application/pkcs7-mime MIME entity
nested() { { printf 'Content-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n' "$1"; cat "$2"; }; }
# strip FILE.mime > FILE.der: the body of a MIME entity
strip() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[d.index(b"\r\n\r\n")+4:])' "$1"; }

for f in message invite ok200; do
  M=$V/$f.sip
  entity $M > want.mime
  # --- 1. ours -> openssl -------------------------------------------------
  $MCSEC smime protect --in $M --kek $K --kek-id $I > p.sip; ok $? "$f: protect kek"
  ! grep -qa "$ID" p.sip; ok $? "$f: kek: no plaintext identity"
  body p.sip > p.der
  openssl cms -decrypt -binary -inform DER -in p.der -secretkey $K -secretkeyid $I -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl decrypts KEKRI (GCM)"
  $MCSEC smime protect --in $M --kek $K32 --kek-id $I --cipher aes256-cbc > p.sip && body p.sip > p.der
  openssl cms -decrypt -binary -inform DER -in p.der -secretkey $K32 -secretkeyid $I -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl decrypts KEKRI (AES-256 wrap, CBC)"
  $MCSEC smime protect --in $M --encrypt-to s.crt > p.sip && body p.sip > p.der
  openssl cms -decrypt -binary -inform DER -in p.der -recip s.crt -inkey s.key -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl decrypts KTRI (RSA-OAEP)"
  $MCSEC smime protect --in $M --encrypt-to e.crt > p.sip && body p.sip > p.der
  openssl cms -decrypt -binary -inform DER -in p.der -recip e.crt -inkey e.key -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl decrypts KARI (ECDH)"
  $MCSEC smime protect --in $M --sign --cert a.crt --key a.key > p.sip && body p.sip > p.der
  openssl cms -verify -binary -inform DER -in p.der -CAfile a.crt -purpose smimesign -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl verifies SignedData (EC)"
  $MCSEC smime protect --in $M --sign --cert s.crt --key s.key --base64 > p.sip
  body p.sip | tr -d '\r\n' | base64 -d > p.der
  openssl cms -verify -binary -inform DER -in p.der -CAfile s.crt -purpose smimesign -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl verifies SignedData (RSA, base64)"
  openssl cms -verify -binary -inform DER -in p.der -CAfile m.crt -out /dev/null 2>/dev/null
  [ $? != 0 ]; ok $? "$f: openssl refuses our signature with another anchor"
  # encrypt, then sign: verify, strip the inner entity's header, decrypt
  $MCSEC smime protect --in $M --sign --cert a.crt --key a.key --kek $K --kek-id $I > p.sip && body p.sip > p.der
  openssl cms -verify -binary -inform DER -in p.der -CAfile a.crt -out mid.mime 2>/dev/null && strip mid.mime > mid.der
  openssl cms -decrypt -binary -inform DER -in mid.der -secretkey $K -secretkeyid $I -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl opens encrypt-then-sign"
  # sign, then encrypt (to a certificate, base64 on the wire)
  $MCSEC smime protect --in $M --sign --cert a.crt --key a.key --encrypt-to s.crt --sign-first --base64 > p.sip
  body p.sip | tr -d '\r\n' | base64 -d > p.der
  openssl cms -decrypt -binary -inform DER -in p.der -recip s.crt -inkey s.key -out mid.mime 2>/dev/null && strip mid.mime > mid.der
  openssl cms -verify -binary -inform DER -in mid.der -CAfile a.crt -out got.mime 2>/dev/null
  cmp -s got.mime want.mime; ok $? "$f: openssl opens sign-then-encrypt"

  # --- 2. openssl -> ours -------------------------------------------------
  openssl cms -encrypt -binary -in want.mime -aes-128-cbc -secretkey $K -secretkeyid $I -outform DER -out o.der
  sip enveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --kek $K --kek-id $I > u.sip; ok $? "$f: we open openssl KEKRI"
  restored $M u.sip
  ok $? "$f: openssl KEKRI: body and Content-Type restored"
  openssl cms -encrypt -binary -in want.mime -aes-128-gcm -secretkey $K -secretkeyid $I -outform DER -out o.der
  sip authEnveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --kek $K --kek-id $I > /dev/null; ok $? "$f: we open openssl KEKRI AuthEnvelopedData"
  openssl cms -encrypt -binary -in want.mime -aes-128-cbc -recip s.crt -keyopt rsa_padding_mode:oaep -outform DER -out o.der
  sip enveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --cert s.crt --key s.key > /dev/null; ok $? "$f: we open openssl KTRI (OAEP)"
  openssl cms -encrypt -binary -in want.mime -aes-256-cbc -recip s.crt -outform DER -out o.der
  sip enveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --cert s.crt --key s.key > /dev/null; ok $? "$f: we open openssl KTRI (PKCS#1 v1.5)"
  openssl cms -encrypt -binary -in want.mime -aes-128-cbc -recip e.crt -outform DER -out o.der
  sip enveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --cert e.crt --key e.key > /dev/null; ok $? "$f: we open openssl KARI"
  openssl cms -sign -binary -nodetach -in want.mime -signer a.crt -inkey a.key -md sha256 -outform DER -out o.der
  sip signed-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --trust a.crt > u.sip; ok $? "$f: we verify openssl SignedData"
  restored $M u.sip; ok $? "$f: openssl SignedData: body and Content-Type restored"
  $MCSEC smime unprotect --in o.sip --trust m.crt > u.sip 2>/dev/null
  [ $? = 1 ] && [ ! -s u.sip ]; ok $? "$f: openssl SignedData, other anchor: exit 1, no output"
  # nested: openssl encrypt then sign, and sign then encrypt
  openssl cms -encrypt -binary -in want.mime -aes-128-cbc -secretkey $K -secretkeyid $I -outform DER -out in.der
  nested enveloped-data in.der > in.mime
  openssl cms -sign -binary -nodetach -in in.mime -signer a.crt -inkey a.key -outform DER -out o.der
  sip signed-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --kek $K --kek-id $I --trust a.crt > u.sip; ok $? "$f: we open openssl encrypt-then-sign"
  restored $M u.sip; ok $? "$f: openssl encrypt-then-sign: body and Content-Type restored"
  openssl cms -sign -binary -nodetach -in want.mime -signer a.crt -inkey a.key -outform DER -out in.der
  nested signed-data in.der > in.mime
  openssl cms -encrypt -binary -in in.mime -aes-128-gcm -recip s.crt -keyopt rsa_padding_mode:oaep -outform DER -out o.der
  sip authEnveloped-data o.der > o.sip
  $MCSEC smime unprotect --in o.sip --cert s.crt --key s.key --trust a.crt > u.sip; ok $? "$f: we open openssl sign-then-encrypt"
  restored $M u.sip; ok $? "$f: openssl sign-then-encrypt: body and Content-Type restored"
done

# --- the CLI contract --------------------------------------------------------
M=$V/message.sip
$MCSEC smime protect --in $M --sign --cert a.crt --key a.key --kek $K --kek-id $I > p.sip
$MCSEC smime unprotect --in p.sip --kek 000102030405060708090A0B0C0D0E0E --kek-id $I > u.sip 2> err.txt
[ $? = 1 ] && [ ! -s u.sip ] && [ "$(wc -l < err.txt)" = 1 ]; ok $? "wrong KEK: exit 1, one-line error, no output"
$MCSEC smime unprotect --in p.sip --kek $K --kek-id 2DDD5BF1 > u.sip 2>/dev/null; [ $? = 1 ]; ok $? "wrong KEK ID: exit 1"
$MCSEC smime unprotect --in p.sip --kek $K --kek-id $I --trust m.crt > u.sip 2>/dev/null; [ $? = 1 ]; ok $? "untrusted signer: exit 1"
head -c -5 p.sip > t.sip
$MCSEC smime unprotect --in t.sip --kek $K --kek-id $I > u.sip 2>/dev/null; [ $? = 1 ]; ok $? "truncated: exit 1"
$MCSEC smime unprotect --in p.sip --kek $K --kek-id $I --trust a.crt | cmp -s - $M; ok $? "CLI round trip"
$MCSEC smime protect --in $M > /dev/null 2>&1; [ $? = 2 ]; ok $? "protect with nothing to do: exit 2"
$MCSEC smime protect --in $M --kek 0011 --kek-id $I > /dev/null 2>&1; [ $? = 2 ]; ok $? "short KEK: exit 2"
$MCSEC smime protect --in $M --kek $K --kek-id $I --encrypt-to s.crt > /dev/null 2>&1; [ $? = 2 ]; ok $? "KEK and cert: exit 2"
$MCSEC smime protect --in $M --sign --cert a.crt > /dev/null 2>&1; [ $? = 2 ]; ok $? "--sign without --key: exit 2"
$MCSEC smime protect --in $M --kek $K --kek-id $I --bogus > /dev/null 2>&1; [ $? = 2 ]; ok $? "unknown option: exit 2"
$MCSEC smime unprotect > /dev/null 2>&1; [ $? = 2 ]; ok $? "unprotect without --in: exit 2"
$MCSEC smime protect --help | grep -q "sign-first"; ok $? "protect --help"
$MCSEC smime unprotect --help > /dev/null; ok $? "unprotect --help"
$MCSEC cert selfsign --help | grep -q -- "--cn"; ok $? "cert selfsign --help"
$MCSEC cert selfsign --cn x --key-out k --cert-out c --key-type dsa > /dev/null 2>&1; [ $? = 2 ]; ok $? "bad key type: exit 2"
[ "$(stat -c %a a.key)" = 600 ]; ok $? "private key file mode 0600"

echo "smime_openssl: $pass passed, $fail failed"
[ $fail = 0 ]

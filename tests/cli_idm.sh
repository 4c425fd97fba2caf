#!/usr/bin/env bash
# mcsec idm token|verify, cross-checked with the openssl command line as an
# independent JWS implementation: a token built with `openssl dgst -sign`
# (DER turned into r || s with `openssl asn1parse`) is accepted by mcsec, and a
# token minted by mcsec verifies with `openssl dgst -verify` (r || s turned
# back into DER). Then refusals, exit codes and one-line errors.
set -u
MCSEC=${1:?}
VEC=${2:?}
K=$VEC/jwt
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

b64u() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unb64u() { local s; s=$(printf '%s' "$1" | tr -- '-_' '+/'); while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | base64 -d; }
pad64() { local h; h=$(printf '%064s' "$1" | tr ' ' 0); printf '%s' "${h: -64}"; }

NOW=1700000000
ISS=https://idms.example.org
AUD=kms.example.org
POL="--iss $ISS --aud $AUD --now $NOW"

# --- 1. openssl signs, mcsec verifies ---
H=$(printf '{"alg":"ES256","typ":"JWT"}' | b64u)
P=$(printf '{"iss":"%s","aud":"%s","mcptt_id":"sip:alice@example.org","exp":%d,"scope":"openid 3gpp:mcptt:key_management_server"}' \
    $ISS $AUD $((NOW + 600)) | b64u)
printf '%s' "$H.$P" > "$T/input"
openssl dgst -sha256 -sign "$K/p256.key" -out "$T/sig.der" "$T/input"
mapfile -t INTS < <(openssl asn1parse -inform DER -in "$T/sig.der" | awk -F: '/INTEGER/ {print $NF}')
check "${#INTS[@]}" 2 "asn1parse finds r and s"
R=$(pad64 "${INTS[0]}") S=$(pad64 "${INTS[1]}")
SIG=$(printf '%s%s' "$R" "$S" | xxd -r -p | b64u)
check "$(printf '%s' "$SIG" | wc -c)" 86 "r||s is 64 octets"
TOK="$H.$P.$SIG"
check "$($MCSEC idm verify --key $K/p256.pub $POL --scope 3gpp:mcptt:key_management_server "$TOK")" \
      '{"identity": "sip:alice@example.org", "exp": 1700000600}' "openssl-made token accepted"
# the DER signature itself is not a JWS signature
DERTOK="$H.$P.$(b64u < "$T/sig.der")"
check "$($MCSEC idm verify --key $K/p256.pub $POL "$DERTOK" 2>&1; echo "rc=$?")" \
      "mcsec: idm verify: token rejected (bad signature length)
rc=1" "DER signature refused"

# --- 2. mcsec signs, openssl verifies ---
MT=$($MCSEC idm token --key $K/p256.key --iss $ISS --aud $AUD --id sip:bob@example.org --now $NOW \
     --ttl 300 --scope "openid 3gpp:mcptt:key_management_server")
check "$?" 0 "mint"
check "$(unb64u "${MT%%.*}")" '{"alg":"ES256","typ":"JWT"}' "minted header"
REST=${MT#*.}
PAYLOAD=$(unb64u "${REST%%.*}")
case $PAYLOAD in
  '{"iss":"https://idms.example.org","aud":"kms.example.org","mcptt_id":"sip:bob@example.org","scope":"openid 3gpp:mcptt:key_management_server","iat":1700000000,"nbf":1700000000,"exp":1700000300,"jti":"'*) r=ok ;;
  *) r="$PAYLOAD" ;;
esac
check "$r" ok "minted claims"
unb64u "${MT##*.}" > "$T/mt.raw"
check "$(wc -c < "$T/mt.raw")" 64 "minted signature is 64 octets"
printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
  "$(xxd -p -l 32 "$T/mt.raw" | tr -d '\n')" "$(xxd -p -s 32 "$T/mt.raw" | tr -d '\n')" > "$T/sig.cnf"
openssl asn1parse -genconf "$T/sig.cnf" -out "$T/mt.der" > /dev/null
printf '%s' "${MT%.*}" > "$T/mt.input"
check "$(openssl dgst -sha256 -verify $K/p256.pub -signature "$T/mt.der" "$T/mt.input")" "Verified OK" \
      "openssl verifies the minted token"
check "$($MCSEC idm verify --key $K/p256.pub $POL "$MT")" \
      '{"identity": "sip:bob@example.org", "exp": 1700000300}' "minted token accepted by mcsec"
printf '%s\n' "$MT" > "$T/tok"
check "$($MCSEC idm verify --key $K/p256.pub $POL @"$T/tok" >/dev/null; echo $?)" 0 "TOKEN from @FILE"
# RS256 and EdDSA through the CLI, checked by openssl too
for k in rsa2048 ed25519; do
  t=$($MCSEC idm token --key $K/$k.key --iss i --aud a --id u --claim sub --now $NOW)
  check "$($MCSEC idm verify --key $K/$k.pub --iss i --aud a --claim sub --now $NOW "$t")" \
        '{"identity": "u", "exp": 1700003600}' "$k round trip"
  printf '%s' "${t%.*}" > "$T/in.$k"
  unb64u "${t##*.}" > "$T/sig.$k"
  if [ $k = rsa2048 ]; then
    r=$(openssl dgst -sha256 -verify $K/$k.pub -signature "$T/sig.$k" "$T/in.$k")
  else
    r=$(openssl pkeyutl -verify -pubin -inkey $K/$k.pub -rawin -in "$T/in.$k" -sigfile "$T/sig.$k")
  fi
  case $r in *"Verified"*) r=ok ;; esac
  check "$r" ok "openssl verifies the $k token"
done

# --- 3. refusals: exit 1 and one line naming the reason ---
rej() { # expected-why token verify-options...
  local want=$1 tok=$2; shift 2
  local out; out=$($MCSEC idm verify "$@" "$tok" 2>&1 >/dev/null; echo "rc=$?")
  check "$out" "mcsec: idm verify: token rejected ($want)
rc=1" "refusal: $want"
}
KP="--key $K/p256.pub"
rej "expired" "$MT" $KP --iss $ISS --aud $AUD --now $((NOW + 300 + 60))
check "$($MCSEC idm verify $KP --iss $ISS --aud $AUD --now $((NOW + 300 + 59)) "$MT" >/dev/null; echo $?)" 0 "within skew"
rej "expired" "$MT" $KP --iss $ISS --aud $AUD --now $((NOW + 300)) --skew 0
rej "not yet valid" "$MT" $KP --iss $ISS --aud $AUD --now $((NOW - 61))
rej "wrong issuer" "$MT" $KP --iss https://other.example.org --aud $AUD --now $NOW
rej "wrong audience" "$MT" $KP --iss $ISS --aud cms.example.org --now $NOW
rej "no identity" "$MT" $KP $POL --claim sub
rej "missing scope" "$MT" $KP $POL --scope 3gpp:mcptt:ptt_server
rej "bad signature" "$H.$P.${MT##*.}" $KP $POL
rej "alg not allowed" "$(printf '{"alg":"none"}' | b64u).$P." $KP $POL
rej "malformed" "$MT==" $KP $POL
rej "malformed" "$MT." $KP $POL
rej "bad signature" "$MT" --key $K/p256b.pub $POL
# the RFC 7515 A.3 token: good signature, no "aud"
A3=$(sed -n 's/^token = \(eyJhbGciOiJFUzI1NiJ9\..*\)$/\1/p' "$VEC/jwt_rfc7515.txt")
check "$($MCSEC idm verify --key $K/rfc7515_a3.pub --iss joe --aud x --now 1300819000 "$A3" 2>&1; echo "rc=$?")" \
      "mcsec: idm verify: token rejected (wrong audience)
rc=1" "RFC 7515 A.3 refused for its audience only"

# --- 4. usage and environment errors: exit 2, one line ---
u() { # description, command...
  local d=$1; shift
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  check "$rc/$(printf '%s\n' "$err" | wc -l)" "2/1" "usage: $d"
}
u "no key" $MCSEC idm verify $POL "$MT"
u "no token" $MCSEC idm verify --key $K/p256.pub $POL
u "two tokens" $MCSEC idm verify --key $K/p256.pub $POL "$MT" "$MT"
u "unknown option" $MCSEC idm verify --key $K/p256.pub $POL --bogus 1 "$MT"
u "missing iss" $MCSEC idm token --key $K/p256.key --aud a --id u
u "private key expected" $MCSEC idm token --key $K/p256.pub --iss i --aud a --id u
u "public key expected" $MCSEC idm verify --key $K/p256.key $POL "$MT"
u "unsupported curve" $MCSEC idm token --key $K/p384.key --iss i --aud a --id u
u "no such file" $MCSEC idm verify --key $T/none.pem $POL "$MT"
u "bad ttl" $MCSEC idm token --key $K/p256.key --iss i --aud a --id u --ttl 0
u "bad now" $MCSEC idm verify --key $K/p256.pub --iss i --aud a --now x "$MT"
u "bad identity" $MCSEC idm token --key $K/p256.key --iss i --aud a --id "$(printf 'a\tb')"
u "unknown verb" $MCSEC idm frobnicate
check "$($MCSEC idm --help >/dev/null; echo $?)" 0 "help"
check "$($MCSEC idm token --help | head -1)" "usage: mcsec idm <verb> [options]   (IdM access tokens: JWT, RFC 7519 / RFC 9068)" "verb help"
check "$($MCSEC --help | grep -c '^  idm ')" 1 "listed in mcsec --help"

echo "cli_idm: $pass passed, $fail failed"
[ $fail = 0 ]

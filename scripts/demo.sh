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

mikey_create() { # type key key-id from to
  $M mikey create --type "$1" --key "$2" --key-id "$3" --from "$4" --to "$5" "${KMSOPT[@]}" \
     --kpak "$KPAK" --zt "$ZT" --ssk "${SSKS[$4]}" --pvt "${PVTS[$4]}" --time "$NOW"; }
mikey_open() { # as msg
  $M mikey open --uri "$1" "${KMSOPT[@]}" --kpak "$KPAK" --zt "$ZT" --rsk "${RSKS[$1]}" --now "$NOW" "$2"; }

step "The group management server sends Bob the group's GMK in a MIKEY-SAKKE I_MESSAGE (SDP line)"
GMK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MSG=$(mikey_create gmk "$GMK" 0$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c2-8) sip:gms@police.example sip:bob@police.example)
echo "a=key-mgmt:mikey ${MSG:0:60}…"
echo "what the SIP core sees:"
$M mikey decode "$MSG" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("  CSB ID (GUK-ID)", d["hdr"]["csb_id"], "| IDRi", d["idr"][0]["id"], "| IDRr", d["idr"][1]["id"], "| SAKKE", d["sakke"]["sakke_data_len"], "bytes | ECCSI signature", d["sign"]["signature_len"], "bytes")'
echo "Bob opens it:"
mikey_open sip:bob@police.example "$MSG" | tee "$W/gmk.json"
[ "$(field "$W/gmk.json" key)" = "$GMK" ] || { echo "ERROR: GMK mismatch"; exit 1; }

step "Alice cannot open a message addressed to Bob"
if mikey_open sip:alice@police.example "$MSG"; then echo "ERROR: wrong recipient accepted"; exit 1; fi
echo "(rejected, as it must be)"

step "Private call: Alice sends Bob a PCK; Bob opens it"
PCK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MSG=$(mikey_create pck "$PCK" 1$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c2-8) sip:alice@police.example sip:bob@police.example)
mikey_open sip:bob@police.example "a=key-mgmt:mikey $MSG" | tee "$W/pck.json"
[ "$(field "$W/pck.json" key)" = "$PCK" ] || { echo "ERROR: PCK mismatch"; exit 1; }

printf '\ndemo complete.\n'

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

echo "mcsec $($M --version | cut -d' ' -f2) demo — identity-based signatures for mission-critical PTT"

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

printf '\ndemo complete.\n'

#!/usr/bin/env bash
# Installs every Debian package mcsec needs to build, test, fuzz and benchmark,
# skipping those already present. Safe to run repeatedly. Debian 12 (bookworm).
set -euo pipefail

pkgs=(
  kamailio                    # tests/mcptt_e2e.sh and the demo: the SIP proxy between MCPTT client and server
  build-essential cmake pkg-config git
  libssl-dev openssl          # SHA-2, HMAC, AES, P-256, CMS, RNG, TLS; `openssl cms` in tests
  libwolfssl-dev              # test/bench only: an independent ECCSI/SAKKE peer
  gnuplot-nox                 # bench/plot.sh: the bar chart of docs/performance.md
  clang libclang-rt-14-dev    # libFuzzer + sanitizers
  valgrind                    # constant-time (ctgrind) check
  xxd                         # hex helpers in shell tests
  tshark                      # MIKEY dissector check of our I_MESSAGEs
  libxml2-dev                 # KMS XML (TS 33.180 Annex D)
  libjansson-dev              # JWT (IdM access tokens) payloads; signatures with OpenSSL
  libsqlite3-dev sqlite3      # KMS store
  libmicrohttpd-dev           # mcsec-kmsd (HTTPS)
  libcurl4-openssl-dev curl   # KMS client
  libsrtp2-dev                # SRTP/SRTCP media and floor control (calls)
  libosip2-dev                # S/MIME in SIP: SIP message and Content-Type parsing
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

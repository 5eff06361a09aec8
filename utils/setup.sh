#!/usr/bin/env bash
# Set up everything dnn-mlir needs and build it. Idempotent: a second run only
# rebuilds what changed.
#
#   1. apt packages (LLVM/MLIR 22, cmake, ninja, g++, GoogleTest, python venv)
#   2. project-local Python venv .venv with python/requirements.txt
#   3. CMake configure (only if <build>/build.ninja is absent) and build
#
# Environment:
#   DNN_BUILD_DIR  build directory (default: build, relative to the repo root)
#   DNN_SETUP_NO_BUILD  set: packages and venv only (utils/sanitize.sh)
#   PYTHON         interpreter used to create .venv (default: python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LLVM_PREFIX=/usr/lib/llvm-22
BUILD_DIR="${DNN_BUILD_DIR:-build}"
VENV="$ROOT/.venv"
REQS="$ROOT/python/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

APT_PACKAGES=(llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools ninja-build cmake g++ libgtest-dev)

log() { printf '==> %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

# --- privileges for apt -------------------------------------------------------
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  fi
fi

APT_UPDATED=0
apt_install() {
  # apt_install PKG... : install packages non-interactively (apt-get update once).
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: $*"
  if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    die "not root and sudo not found; install manually: $*"
  fi
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get update -q
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@"
}

pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# --- 1. system packages -------------------------------------------------------
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "missing apt packages: ${missing[*]}"
    apt_install "${missing[@]}"
  else
    log "apt packages present: ${APT_PACKAGES[*]}"
  fi
else
  log "dpkg-query not found (not Debian?); skipping apt packages check"
fi

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"

# --- 2. python venv -----------------------------------------------------------
venv_ok() { [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; }

if ! venv_ok; then
  # Make sure "python3 -m venv" works (Debian's python needs python3-venv).
  probe="$(mktemp -d)"
  if ! "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1; then
    log "'$PYTHON -m venv' does not work; installing python3-venv"
    apt_install python3-venv
  fi
  rm -rf "$probe"
  log "creating venv $VENV with $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

want_sha="$(sha256sum "$REQS" | cut -d' ' -f1)"
have_sha="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want_sha" != "$have_sha" ]]; then
  log "pip install -r python/requirements.txt (into .venv)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q -r "$REQS"
  printf '%s\n' "$want_sha" >"$STAMP"
else
  log "venv up to date (python/requirements.txt unchanged)"
fi

# The dnn_mlir package (python/pyproject.toml), editable, so .venv/bin/dnn-import
# exists and runs the checkout's python/dnn_mlir. Re-installed when
# pyproject.toml changes (or the script is missing). Offline first: building the
# editable wheel without isolation uses the setuptools pinned in
# requirements.txt (>= 70.1 builds editable wheels by itself); if that fails,
# pip fetches a build backend into an isolated env.
PYPROJECT="$ROOT/python/pyproject.toml"
PKG_STAMP="$VENV/.dnn_mlir-pyproject.sha256"
want_pkg="$(sha256sum "$PYPROJECT" | cut -d' ' -f1)"
have_pkg="$(cat "$PKG_STAMP" 2>/dev/null || true)"
if [[ "$want_pkg" != "$have_pkg" || ! -x "$VENV/bin/dnn-import" ]]; then
  log "pip install -e python/ (dnn_mlir, editable, into .venv)"
  pip_log="$(mktemp)"
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q \
       --no-deps --no-build-isolation -e "$ROOT/python" >"$pip_log" 2>&1 &&
     ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q \
       --no-deps -e "$ROOT/python" >"$pip_log" 2>&1; then
    cat "$pip_log" >&2
    rm -f "$pip_log"
    die "could not install python/ (dnn_mlir) into $VENV"
  fi
  rm -f "$pip_log"
  printf '%s\n' "$want_pkg" >"$PKG_STAMP"
else
  log "dnn_mlir package installed (python/pyproject.toml unchanged)"
fi

# --- 3. configure and build ---------------------------------------------------
if [[ -n "${DNN_SETUP_NO_BUILD:-}" ]]; then
  log "DNN_SETUP_NO_BUILD set: not configuring or building $BUILD_DIR"
  exit 0
fi
[[ -f "$ROOT/CMakeLists.txt" ]] || die "no CMakeLists.txt in $ROOT; nothing to configure"

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  log "configuring CMake into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_DIR="$LLVM_PREFIX/lib/cmake/llvm" \
    -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE="$VENV/bin/python" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit"
else
  log "$BUILD_DIR/build.ninja exists; skipping configure"
fi

log "building $BUILD_DIR"
cmake --build "$BUILD_DIR"
log "setup done"

#!/usr/bin/env bash
# Set up the project's virtual environment. Used by `make run` and `make test`.
#
#   scripts/setup.sh run    core dependencies (app, CLI, index)
#   scripts/setup.sh test   + test, LLM and benchmark extras, Debian's Chromium for browser tests
#                           and Debian's tesseract-ocr for the OCR tests (the app runs without it)
#                           and Debian's postgresql for the PostgreSQL tests (tests/pgserver.py
#                           starts its own server in a temporary folder; `make run` needs none)
#
# Idempotent and quick when nothing changed: a stamp file records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
case "$mode" in
  run)  extras="" ;;
  test) extras="[test,llm,bench]" ;;
  *) echo "usage: scripts/setup.sh run|test" >&2; exit 2 ;;
esac

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed; install it or set PYTHON=/path/to/python3.11" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py="$(find_python)"
  echo "creating .venv with $py"
  "$py" -m venv .venv
fi

stamp=".venv/.setup-$mode-$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
  # torch first and pinned: 2.13.0 resolves to the CPU build here; an unpinned torch (pulled in
  # by sentence-transformers) would download several GB of CUDA packages.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  # llama-cpp-python (test extra) compiles from source once (~4 min on 2 cores); pip caches the wheel.
  # A portable AVX2 build, not -march=native: on CPUs with AMX, llama.cpp's native build uses its
  # AMX backend, which segfaults in decode here (ggml-org/llama.cpp#20824; seen on a Xeon with
  # amx_int8/amx_bf16 and llama-cpp-python 0.3.36).
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}" \
    .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi

if [ "$mode" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium and chromium-driver for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ "$mode" = "test" ] && ! command -v tesseract >/dev/null 2>&1; then
  echo "installing Debian's tesseract-ocr for the OCR tests of scanned PDFs"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null
fi
if [ "$mode" = "test" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing Debian's postgresql for the PostgreSQL tests (no service is started)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
echo "setup ($mode) done"

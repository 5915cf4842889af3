#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs the Debian packages the project
# needs (when missing), configures through CMakePresets.json, builds, and then
#   ./build.sh run [ARGS]   starts ntk-explorer: the window on a display, else the headless
#                           comparison on the default workload (or the subcommand in ARGS)
#   ./build.sh test         runs every test through ctest (dev preset: debug, warnings as errors)
#   ./build.sh asan         runs every test under AddressSanitizer and UBSan but those that repeat
#                           code the others already run under it, minutes each there (CMakePresets
#                           asan filter): the Slurm cluster's, ui.layout (every card in four looks),
#                           the lessons --check, lesson screenshot and handout commands (ui.lessons
#                           runs their code), the long training rate and the thread-count sweep
#                           (ThreadSanitizer runs that one)
#   ./build.sh bench        runs the benchmark suite (release preset); without --json it then
#                           times the window's comparisons alone (window_pass) and measures the
#                           window's responsiveness offscreen (ui_latency)
#   ./build.sh tsan         runs the core's and the compute controllers' tests under
#                           ThreadSanitizer (parallel loops on std::thread: libgomp is not
#                           instrumented)
#   ./build.sh package      builds the Debian package build/package/ntk-explorer_VERSION_amd64.deb
#                           (Debian's amd64 baseline, not -march=native); --check then installs
#                           it in a fresh Debian 12 root and runs it there (root, debootstrap)
#   ./build.sh tidy         runs clang-tidy (.clang-tidy) over the sources of core/, app/, python/
#                           and ui/ with the dev preset's compile commands; a finding exits 1
#   ./build.sh fuzz [SECONDS]  builds the libFuzzer harnesses (clang, ASan + UBSan) and runs
#                           each for SECONDS (default 60); a crash or leak exits 1 and leaves
#                           the input in build/fuzz/artifacts/
set -euo pipefail
cd "$(dirname "$0")"

packages=(g++ cmake ninja-build libeigen3-dev libgtest-dev qt6-base-dev qt6-svg-dev
          libqcustomplot-dev libqcustomplot2.1-qt6 libspectra-dev libzip-dev nettle-dev nlohmann-json3-dev fonts-dejavu-core
          pybind11-dev python3-dev python3-numpy python3-pytest)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "build.sh: these Debian packages are missing: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "build.sh: installing ${missing[*]}" >&2
  sh -c "$cmd"
}

build() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
}

mode=${1:-run}
[[ $# -gt 0 ]] && shift
case "$mode" in
  run)
    install_missing
    build release
    if [[ $# -eq 0 && -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
      echo "build.sh: no display, so instead of the window: ntk-explorer compare (the default workload)" >&2
      set -- compare
    fi
    exec build/release/app/ntk-explorer "$@"
    ;;
  test | asan | tsan)
    install_missing
    preset=$([[ $mode == test ]] && echo dev || echo "$mode")
    build "$preset"
    ctest --preset "$preset" -j "$(nproc)"
    ;;
  bench)
    install_missing
    build release
    build/release/app/ntk-explorer bench "$@"
    if [[ " $* " != *" --json "* ]]; then
      echo
      echo "The window's comparisons, without the window:"
      build/release/tests/window_pass
      echo
      echo "The window's responsiveness (offscreen), at the default m and at m = 65536:"
      QT_QPA_PLATFORM=offscreen build/release/tests/ui_latency 2>/dev/null
      QT_QPA_PLATFORM=offscreen build/release/tests/ui_latency --m 65536 2>/dev/null
    fi
    ;;
  package)
    packages+=(dpkg-dev file)  # dpkg-shlibdeps computes the library dependencies; CPack runs file first
    [[ ${1:-} == --check ]] && packages+=(debootstrap)
    install_missing
    build package
    cpack --preset package >/dev/null
    deb=$(ls build/package/ntk-explorer_*_amd64.deb)
    echo "build.sh: built $deb"
    if [[ ${1:-} == --check ]]; then
      tests/package/fresh_install.sh "$deb"
    fi
    ;;
  tidy)
    packages+=(clang-tidy)
    install_missing
    cmake --preset dev >/dev/null  # writes build/dev/compile_commands.json
    # Tests are left out: GoogleTest's and QtTest's macros are not ours to change.
    git ls-files 'core/*.cpp' 'app/*.cpp' 'python/*.cpp' 'ui/*.cpp' |
      xargs -P "$(nproc)" -n 1 clang-tidy -p build/dev --quiet 2>/dev/null
    echo "build.sh: clang-tidy found nothing"
    ;;
  fuzz)
    packages+=(clang libclang-rt-14-dev libomp-14-dev)
    install_missing
    build fuzz
    tests/fuzz/run.sh build/fuzz/tests/fuzz "${1:-60}"
    ;;
  *)
    echo "usage: ./build.sh run [ARGS] | test | asan | tsan | tidy | bench [--json] | package [--check] | fuzz [SECONDS]" >&2
    exit 2
    ;;
esac

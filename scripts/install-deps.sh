#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs the Debian 12 packages Warren needs. Quick and silent when they are all present.
#   scripts/install-deps.sh          build + test + client-suite packages (what scripts/test.sh needs)
#   scripts/install-deps.sh build    only what building and running the broker needs
# Runs apt-get as root, or through sudo when run as another user.
set -euo pipefail

BUILD_PKGS=(build-essential autoconf automake libtool pkg-config libevent-dev libssl-dev libpcre2-dev libjansson-dev libcmocka-dev
            librabbitmq-dev amqp-specs python3)
# clang + llvm-14 (llvm-symbolizer for readable sanitizer traces), clang-format-14 (format-check and
# the formatting of generated amqp/spec.[ch]), valgrind, git (regen drift check), amqp-tools (the
# shell integration tests' clients), chromium (it_ui.sh drives the dashboard in it, headless).
TEST_PKGS=(clang llvm-14 clang-format-14 valgrind git ca-certificates xz-utils amqp-tools chromium)
# What the client suites in ../shared/compat install for themselves (pika.sh, py-amqp.sh,
# anyevent-perl.sh, amqplib-node.sh, and python3-pika for common.sh's cleanup): installed here
# up front so that one apt-get run does it all.
SUITE_PKGS=(python3-pytest python3-pytest-timeout python3-tornado python3-twisted python3-gevent
            python3-vine python3-pika perl libanyevent-rabbitmq-perl libtest-exception-perl)

log() { echo "install-deps: $*" >&2; }

missing_pkgs() {  # prints the packages of "$@" that dpkg does not list as installed
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            echo "$p"
    done
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && [ -t 0 ]; then
        sudo "$@"
    elif command -v sudo >/dev/null; then
        sudo -n "$@"
    else
        log "not root and no sudo; run as root: $*"
        return 1
    fi
}

apt_install() {
    local env=(env DEBIAN_FRONTEND=noninteractive)
    local opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    log "apt-get update"
    as_root "${env[@]}" timeout 600 apt-get "${opts[@]}" update </dev/null >&2
    log "apt-get install $*"
    as_root "${env[@]}" timeout 1200 apt-get "${opts[@]}" install -y --no-install-recommends "$@" \
        </dev/null >&2
}

# Node.js: any install providing node and npm will do (Debian's nodejs+npm, or a nodejs package
# that bundles npm); only what is absent is asked of apt, so a bundled npm is not replaced.
node_pkgs() {
    command -v node >/dev/null || echo nodejs
    command -v npm >/dev/null || echo npm
}

check_node_version() {
    local major
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -lt 20 ]; then
        log "warning: node $(node --version 2>/dev/null || echo missing) is older than 20;" \
            "the amqplib suite uses node's junit test reporter (node 20.10+)"
    fi
}

main() {
    local mode=${1:-all} wanted=() missing=()
    case $mode in
    build) wanted=("${BUILD_PKGS[@]}") ;;
    all) wanted=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${SUITE_PKGS[@]}") ;;
    *)
        echo "usage: $0 [all|build]" >&2
        return 2
        ;;
    esac
    mapfile -t missing < <(missing_pkgs "${wanted[@]}")
    if [ "$mode" = all ]; then
        mapfile -t -O "${#missing[@]}" missing < <(node_pkgs)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    if [ "$mode" = all ]; then
        check_node_version
    fi
}

main "$@"

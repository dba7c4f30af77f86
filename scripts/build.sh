#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Builds Warren out of tree.
#   scripts/build.sh [BUILD_DIR] [CONFIGURE_ARG...]
# BUILD_DIR defaults to "build" (relative to the repository top). CC, CFLAGS and JOBS (default 2)
# come from the environment. autoreconf runs when configure is missing or older than its inputs;
# configure runs again when the arguments or CC differ from the last run in that directory.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${JOBS:-2}

log() { echo "build: $*" >&2; }

needs_autoreconf() {
    [ -x configure ] && [ -f Makefile.in ] && [ -f config.h.in ] || return 0
    [ -n "$(find configure.ac Makefile.am m4 -newer configure 2>/dev/null | head -1)" ]
}

bootstrap() {
    cd "$TOP"
    if [ -f config.status ]; then
        log "$TOP is configured in-tree; out-of-tree builds need it clean: run 'make distclean' there"
        return 1
    fi
    if needs_autoreconf; then
        log "autoreconf -fi"
        timeout 300 autoreconf -fi
    fi
}

configure_dir() {  # configure_dir DIR ARGS...
    local dir=$1 stamp want
    shift
    stamp="$dir/.configure-args"
    want="CC=${CC:-} CFLAGS=${CFLAGS:-} $*"
    mkdir -p "$dir"
    if [ -f "$dir/config.status" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    log "configure $* in $dir${CC:+ (CC=$CC)}"
    rm -f "$stamp"
    (cd "$dir" && timeout 300 "$TOP/configure" "$@") || {
        log "configure failed; see $dir/config.log"
        return 1
    }
    echo "$want" >"$stamp"
}

main() {
    local dir=${1:-build}
    [ $# -gt 0 ] && shift
    case $dir in
    /*) ;;
    *) dir="$TOP/$dir" ;;
    esac
    bootstrap
    configure_dir "$dir" "$@"
    log "make -j$JOBS in $dir"
    timeout 1200 make -C "$dir" -j"$JOBS"
}

main "$@"

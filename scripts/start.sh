#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs the build dependencies, builds Warren in build/ and runs it in the foreground:
#   scripts/start.sh [WARREN_OPTION...]
# Defaults: AMQP on port 5672 on 0.0.0.0 and [::], user guest/guest (loopback only), data in
# ./data at the repository top, or in $WARREN_DATA_DIR. Options are passed to warren
# (scripts/start.sh --help lists them). Stop it with Ctrl-C.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)

banner() { echo "== stage: $* ==" >&2; }

# Prints the --data-dir to add: $WARREN_DATA_DIR unless the command line names a directory.
# Without either, warren's default ./data applies (the working directory is the repository top).
data_dir_arg() {
    local arg
    for arg in "$@"; do
        case $arg in
        --data-dir | --data-dir=* | -d*) return 0 ;;
        esac
    done
    if [ -n "${WARREN_DATA_DIR:-}" ]; then
        mkdir -p "$WARREN_DATA_DIR"
        echo "--data-dir=$WARREN_DATA_DIR"
    else
        mkdir -p data
    fi
}

main() {
    local extra
    cd "$TOP"
    banner "dependencies"
    bash scripts/install-deps.sh build
    banner "build"
    bash scripts/build.sh build
    extra=$(data_dir_arg "$@")
    banner "warren $extra $*"
    exec "$TOP/build/warren" ${extra:+"$extra"} "$@"
}

main "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Checks that dependencies run one way (DESIGN.md section 2):
#   amqp/  includes no header from server/, store/ or cluster/
#   store/ includes no header from server/ or cluster/
#   scripts/check-layering.sh [SRCDIR]      (default: the repository top)
# Prints every offending #include as FILE:LINE: TEXT and exits 1 if there is one.
set -euo pipefail

TOP=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# check DIR FORBIDDEN...: report includes of FORBIDDEN/ headers from C files under DIR. The
# pattern also catches "../server/x.h" and <server/x.h>.
check() {
    local dir=$1 alt
    shift
    [ -d "$TOP/$dir" ] || return 0
    alt=$(IFS='|' && echo "$*")
    (cd "$TOP" && find "$dir" -type f \( -name '*.c' -o -name '*.h' \) -print0 |
        xargs -0 -r grep -nHE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](\.\./)*($alt)/" |
        sed "s|\$|   <- $dir/ must not use $*|") || true
}

main() {
    local bad
    bad=$(check amqp server store cluster; check store server cluster)
    if [ -n "$bad" ]; then
        echo "layering violations (see DESIGN.md section 2):"
        echo "$bad"
        return 1
    fi
    echo "layering: ok"
}

main "$@"

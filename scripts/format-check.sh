#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Checks C sources against .clang-format with clang-format 14.
#   scripts/format-check.sh [--fix] [SRCDIR]
# Files: *.c and *.h under amqp/ server/ store/ cluster/ tests/ compat/ and at the top level;
# in a git checkout, files git ignores (build output such as config.h) are left out, elsewhere
# build*/ directories are. Prints the files that differ and exits 1 if there are any;
# --fix rewrites them in place instead.
set -euo pipefail

DIRS=(amqp server store cluster tests compat)

clang_format() {
    local cf
    for cf in clang-format-14 clang-format; do
        if command -v "$cf" >/dev/null && "$cf" --version | grep -q 'version 14\.'; then
            echo "$cf"
            return 0
        fi
    done
    echo "format-check: clang-format 14 not found (apt-get install clang-format-14)" >&2
    return 1
}

list_files() {  # NUL-separated, relative to the top
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard -- \
            "${DIRS[@]/%//*.c}" "${DIRS[@]/%//*.h}" ':(glob)*.c' ':(glob)*.h' |
            while IFS= read -r -d '' f; do
                [ -f "$f" ] && printf '%s\0' "$f"
            done
    else
        { find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) -print0
          for d in "${DIRS[@]}"; do
              [ -d "$d" ] && find "$d" -type d -name 'build*' -prune -o \
                  -type f \( -name '*.c' -o -name '*.h' \) -print0
          done; } | sed -z 's|^\./||'
    fi
}

main() {
    local fix=0 top cf f bad=()
    if [ "${1:-}" = --fix ]; then
        fix=1
        shift
    fi
    top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
    cd "$top"
    cf=$(clang_format)
    while IFS= read -r -d '' f; do
        if [ "$fix" = 1 ]; then
            "$cf" -i --style=file "$f"
        elif ! "$cf" --dry-run -Werror --style=file "$f" >/dev/null 2>&1; then
            bad+=("$f")
        fi
    done < <(list_files | sort -z)
    if [ "${#bad[@]}" -gt 0 ]; then
        echo "format-check: ${#bad[@]} file(s) differ from .clang-format (fix: make format):"
        printf '  %s\n' "${bad[@]}"
        return 1
    fi
    [ "$fix" = 1 ] || echo "format-check: ok"
}

main "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Everything CI checks, in one run (.ci/run calls this):
#   scripts/test.sh [STAGE...]      default: all stages, in this order
#     deps       scripts/install-deps.sh
#     layering   scripts/check-layering.sh (failure counts)
#     format     scripts/format-check.sh (a warning only, for now)
#     build      gcc --enable-werror build in build-check/
#     check      make check there (unit + integration + fuzz corpus replay)
#     regen      make regen, then git diff --exit-code amqp/spec.c amqp/spec.h (git checkouts only)
#     asan       clang --enable-sanitizers (ASan + UBSan) build in build-asan/, and make check
#     clients    make check-clients in build-check/ (../shared/compat suites against warren)
# The last line printed is "N passed, M failed", summed over the test-suite logs, the client
# suites and the single checks (layering, builds, regen); the exit status is 1 if M > 0.
# Environment: JOBS (default 2), WARREN_SHARED (default ../shared from the repository top),
# CLIENTS_BUILD (build dir the client suites run against; default build-check).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ALL_STAGES=(deps layering format build check regen asan clients)
export JOBS=${JOBS:-2}
export WARREN_SHARED=${WARREN_SHARED:-$TOP/../shared}
GCC_DIR=build-check
ASAN_DIR=build-asan
CLIENTS_BUILD=${CLIENTS_BUILD:-$GCC_DIR}

PASSED=0 FAILED=0 DONE=
SUMMARY=()         # one line per stage, printed at the end
declare -A BUILT   # build dir -> 1 once it built

banner() { echo "== stage: $* =="; }
note() { echo "test.sh: $*"; }

pass() { PASSED=$((PASSED + ${1:-1})); }
fail() { FAILED=$((FAILED + ${1:-1})); }

git_top() { git -c safe.directory="$TOP" -C "$TOP" "$@"; }

# make check in DIR; adds automake's test-suite.log counts. XFAIL counts as passed, FAIL, ERROR
# and XPASS as failed; a failing make check with no failed test counts as one failure.
make_check() {  # make_check DIR LABEL
    local dir=$TOP/$1 label=$2 rc=0 log p xf f e xp
    log=$dir/test-suite.log
    rm -f "$log"
    timeout -k 10 "${CHECK_TIMEOUT:-900}" make -C "$dir" -j"$JOBS" check </dev/null || rc=$?
    if [ ! -f "$log" ]; then
        note "$label: make check exited $rc without a test-suite.log"
        fail
        SUMMARY+=("$label: FAILED (no test-suite.log, make exited $rc)")
        return 0
    fi
    p=$(sed -n 's/^# PASS: *//p' "$log")
    xf=$(sed -n 's/^# XFAIL: *//p' "$log")
    f=$(sed -n 's/^# FAIL: *//p' "$log")
    e=$(sed -n 's/^# ERROR: *//p' "$log")
    xp=$(sed -n 's/^# XPASS: *//p' "$log")
    p=$((${p:-0} + ${xf:-0})) f=$((${f:-0} + ${e:-0} + ${xp:-0}))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    pass "$p"
    fail "$f"
    if [ "$f" -gt 0 ]; then
        note "$label: failures; $log follows"
        head -n 400 "$log"
    fi
    SUMMARY+=("$label: $p passed, $f failed")
}

# configure + make in DIR (CC and configure args given); records the result as one check.
build_dir() {  # build_dir DIR LABEL CC CONFIGURE_ARG...
    local dir=$1 label=$2 cc=$3
    shift 3
    unset "BUILT[$dir]"
    if CC=$cc bash "$TOP/scripts/build.sh" "$dir" "$@" </dev/null; then
        BUILT[$dir]=1
        pass
        SUMMARY+=("$label: ok")
    else
        fail
        SUMMARY+=("$label: FAILED")
    fi
}

# A stage that needs a build that failed counts as one failure.
need_build() {  # need_build DIR LABEL
    [ -n "${BUILT[$1]:-}" ] && return 0
    note "$2: skipped, $1 did not build"
    fail
    SUMMARY+=("$2: FAILED (no build)")
    return 1
}

stage_deps() {
    if bash "$TOP/scripts/install-deps.sh" all </dev/null; then
        SUMMARY+=("deps: ok")
    else
        fail
        SUMMARY+=("deps: FAILED")
    fi
}

stage_layering() {
    if bash "$TOP/scripts/check-layering.sh" "$TOP"; then
        pass
        SUMMARY+=("layering: ok")
    else
        fail
        SUMMARY+=("layering: FAILED")
    fi
}

stage_format() {  # TODO(#6): count as a failure once the tree is formatted
    local out n
    if out=$(bash "$TOP/scripts/format-check.sh" "$TOP" 2>&1); then
        SUMMARY+=("format: ok")
    else
        echo "$out"
        n=$(grep -c '^  ' <<<"$out" || true)
        SUMMARY+=("format: WARNING, $n file(s) not clang-formatted (not counted)")
    fi
}

stage_build() { build_dir "$GCC_DIR" "build (gcc -Werror)" gcc --enable-werror; }

stage_check() { need_build "$GCC_DIR" "make check (gcc)" && make_check "$GCC_DIR" "make check (gcc)"; }

stage_regen() {
    local label="regen drift" files=(amqp/spec.c amqp/spec.h) f
    if ! git_top rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        note "$label: skipped, not a git checkout"
        SUMMARY+=("$label: skipped (not a git checkout)")
        return 0
    fi
    # needs a configured build dir only, not a successful build
    if [ ! -f "$TOP/$GCC_DIR/Makefile" ]; then
        note "$label: skipped, $GCC_DIR is not configured"
        fail
        SUMMARY+=("$label: FAILED (no configured build dir)")
        return 0
    fi
    if ! make -C "$TOP/$GCC_DIR" -n regen >/dev/null 2>&1; then
        note "$label: the build has no 'regen' target (amqp/local.mk)"
        fail
        SUMMARY+=("$label: FAILED (no regen target)")
        return 0
    fi
    for f in "${files[@]}"; do
        git_top ls-files --error-unmatch "$f" >/dev/null 2>&1 ||
            note "$label: warning: $f is not tracked by git, drift cannot show"
    done
    if timeout 300 make -C "$TOP/$GCC_DIR" regen </dev/null &&
        git_top diff --exit-code --stat -- "${files[@]}"; then
        pass
        SUMMARY+=("$label: ok")
    else
        note "$label: regenerated amqp/spec.[ch] differ from the checked-in files:"
        git_top diff -- "${files[@]}" | head -n 100 || true
        fail
        SUMMARY+=("$label: FAILED (run make regen and commit the result)")
    fi
}

stage_asan() {
    build_dir "$ASAN_DIR" "build (clang ASan+UBSan)" clang --enable-sanitizers
    need_build "$ASAN_DIR" "make check (ASan+UBSan)" || return 0
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    make_check "$ASAN_DIR" "make check (ASan+UBSan)"
}

stage_clients() {
    local label="client suites" out last p f k rc=0
    need_build "$CLIENTS_BUILD" "$label" || return 0
    out=$TOP/$CLIENTS_BUILD/check-clients.out
    timeout -k 10 "${CLIENTS_TIMEOUT:-900}" make --no-print-directory -C "$TOP/$CLIENTS_BUILD" \
        check-clients </dev/null | tee "$out" || rc=$?
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1) || true
    p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$last")
    f=$(sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p' <<<"$last")
    k=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$last")
    if [ -z "$p" ] || [ -z "$f" ]; then
        p=0 f=1
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    pass "$p"
    fail "$f"
    SUMMARY+=("$label: $p passed, $f failed${k:+, $k skipped}")
}

# If the script dies between stages (a bug here, or a signal), still end with the count line.
on_exit() {
    local rc=$?
    [ -n "$DONE" ] && return 0
    echo "test.sh: aborted (status $rc)"
    echo "$PASSED passed, $((FAILED + 1)) failed"
    exit 1
}

run_stage() {  # run_stage NAME: banner, the stage, its time
    local name=$1 start=$SECONDS n
    banner "$name"
    n=${#SUMMARY[@]}
    # stages record their own results; a non-zero return adds nothing
    "stage_$name" || true
    if [ "${#SUMMARY[@]}" -gt "$n" ]; then
        SUMMARY[n]="${SUMMARY[n]} [$name: $((SECONDS - start))s]"
    fi
}

main() {
    local stages=("$@") s
    [ $# -gt 0 ] || stages=("${ALL_STAGES[@]}")
    for s in "${stages[@]}"; do
        declare -F "stage_$s" >/dev/null || {
            echo "usage: $0 [${ALL_STAGES[*]}]" >&2
            exit 2
        }
    done
    cd "$TOP"
    trap on_exit EXIT
    # without the build stage in the list, later stages use an existing build-check/
    if [ -f "$GCC_DIR/config.status" ] && [ -x "$GCC_DIR/warren" ]; then
        BUILT[$GCC_DIR]=1
    fi
    for s in "${stages[@]}"; do
        run_stage "$s"
    done
    DONE=1
    banner "summary (${SECONDS}s)"
    printf '  %s\n' "${SUMMARY[@]}"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

main "$@"

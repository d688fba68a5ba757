# platform.sh - sourced by the grading platforms' entrypoints (Gradescope's
# run_autograder, PrairieLearn's, Autolab's, GitHub Classroom's steps):
# fit one grading into the container the platform gives it.
#
# usage: . tests/export/platform.sh
#        platform_fit LIMIT_SECS [MARGIN_SECS]
#
# platform_fit exports, for tests/grade.sh:
#   KIT_GRADE_JOBS         labs graded at a time: the CPUs this container
#                          may use, which is not what nproc says: a
#                          platform gives a container a share of a large
#                          host through the cgroup's CPU quota (Gradescope:
#                          half a CPU by default), and nproc counts the
#                          host's CPUs.
#   TIMEOUT_SCALE          2 below one whole CPU, else 1 (or what the
#                          environment set, CK_TIMEOUT_MULTIPLIER first, as
#                          grade.sh reads them): the tests' bounded waits
#                          are sized for a CPU of their own.
#   KIT_SUBMISSION_BUDGET  the whole grading's wall-clock budget, so that
#                          it ends MARGIN_SECS (default 60, for the
#                          results and the platform's own steps) before
#                          the platform's LIMIT_SECS kills the container:
#                          a slow submission is graded and reported (labs
#                          not reached say so), never cut off without a
#                          result.  grade.sh multiplies it by TIMEOUT_SCALE,
#                          so it is divided here.
# and prints one line saying what it chose.

# The CPUs this process may use, rounded down, at least 1, in REPLY.
platform_cpus() {
    local n quota period
    n=$(nproc 2>/dev/null || echo 1)
    # cgroup v2: "max 100000" or "QUOTA PERIOD"; v1: two files.
    if [ -r /sys/fs/cgroup/cpu.max ]; then
        read -r quota period </sys/fs/cgroup/cpu.max
    elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
        read -r quota </sys/fs/cgroup/cpu/cpu.cfs_quota_us
        read -r period </sys/fs/cgroup/cpu/cpu.cfs_period_us
    fi
    case ${quota:-max} in
    max | -1 | '' | *[!0-9]*) ;;
    *)
        PLATFORM_SHARE=$((quota * 100 / period)) # percent of one CPU
        [ $((quota / period)) -lt "$n" ] && n=$((quota / period))
        ;;
    esac
    [ "$n" -ge 1 ] || n=1
    REPLY=$n
}

platform_fit() {
    local limit=$1 margin=${2:-60} scale budget
    PLATFORM_SHARE=$(($(nproc 2>/dev/null || echo 1) * 100))
    platform_cpus
    export KIT_GRADE_JOBS=$REPLY
    scale=${CK_TIMEOUT_MULTIPLIER:-${TIMEOUT_SCALE:-}} # as grade.sh reads them
    if [ -z "$scale" ]; then
        scale=1
        [ "$PLATFORM_SHARE" -lt 100 ] && scale=2
    fi
    export TIMEOUT_SCALE=$scale
    budget=$(((limit - margin) / scale))
    [ "$budget" -ge 10 ] || budget=10
    export KIT_SUBMISSION_BUDGET=$budget
    echo "platform: ${PLATFORM_SHARE}% of a CPU: $KIT_GRADE_JOBS lab(s) at a time, TIMEOUT_SCALE=$scale, the grading ends by $((budget * scale)) s of the platform's $limit s"
}

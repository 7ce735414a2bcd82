#!/usr/bin/env bash
# Where a running silo's CPU goes, stage by stage: perf samples of the whole machine for SECONDS, kept for the silo's
# process, classified by bench/profile/stages.py. Run it while the bench holds a load level, e.g.
#   dotnet run -c Release --project bench/Laevitas.Bench -- all --loads 40000 --windows 6 --skip-baselines \
#     --skip-feeds --skip-catchup --overloads 10 --silo-env DOTNET_PerfMapEnabled=1,DOTNET_EnableWriteXorExecute=0
#   bench/profile/profile-silo.sh <silo pid> 20
# The silo must run with DOTNET_PerfMapEnabled=1 (JIT symbols in /tmp/perf-PID.map) and DOTNET_EnableWriteXorExecute=0
# (otherwise JIT code runs from a double-mapped region perf cannot name). System-wide (-a), not -p: perf attaches
# to the threads that exist when it starts, and the thread pool starts and retires threads all the time.
# TICKS (optional): ticks the silo took meanwhile, to print CPU ms per 1,000 ticks per stage.
set -euo pipefail
pid=${1:?usage: profile-silo.sh PID SECONDS [TICKS]}
seconds=${2:?usage: profile-silo.sh PID SECONDS [TICKS]}
ticks=${3:-}
out=$(mktemp -d /tmp/laevitas-profile-XXXXXX)
clk=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(cpu)
perf record -F 999 -g -a -o "$out/perf.data" -- sleep "$seconds" 2>"$out/record.log"
after=$(cpu)
cpu_seconds=$(awk -v a="$after" -v b="$before" -v c="$clk" 'BEGIN { print (a - b) / c }')
echo "silo $pid: $cpu_seconds CPU-seconds in $seconds s ($(awk -v s="$cpu_seconds" -v t="$seconds" 'BEGIN { printf "%.2f", s / t }') cores); profile in $out" >&2
perf script -i "$out/perf.data" --pid "$pid" -F comm,ip,sym 2>/dev/null | "$(dirname "$0")/stages.py" ${ticks:+"$ticks" "$cpu_seconds"}

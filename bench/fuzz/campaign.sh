#!/usr/bin/env bash
# Runs one AFL++ campaign against one SharpLM parser harness (see README.md).
#   bench/fuzz/campaign.sh HARNESS [SECONDS]       (default 300 s)
# Environment: FUZZ_OUT (default /tmp/sharplm-fuzz) holds the instrumented build and the findings;
# FUZZ_REBUILD=1 rebuilds and re-instruments even when a build is there; FUZZ_EXECS=N also stops the
# campaign once it has run about N executions (afl-fuzz -E; SECONDS is then the cap); FUZZ_NICE (default 19).
set -euo pipefail
harness=${1:?usage: campaign.sh HARNESS [SECONDS]}
seconds=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
out=${FUZZ_OUT:-/tmp/sharplm-fuzz}
bin=$out/bin

command -v sharpfuzz > /dev/null || export PATH=$PATH:$HOME/.dotnet/tools
command -v sharpfuzz > /dev/null || { echo "sharpfuzz not found (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0)"; exit 1; }
# .instrumented marks a finished build + instrumentation (a failed one is redone, never fuzzed uninstrumented).
if [[ ! -f $bin/.instrumented || ${FUZZ_REBUILD:-0} == 1 ]]; then
  rm -rf "$bin"
  nice -n 19 dotnet build "$here/SharpLM.Fuzz.csproj" -c Release -o "$bin" -nologo -v quiet
  # Instrument only SharpLM.dll and SharpLM.Server.dll (the parsers), in the copy under $bin, never the normal build output.
  sharpfuzz "$bin/SharpLM.dll"
  sharpfuzz "$bin/SharpLM.Server.dll"   # the HTTP request parsing (chat-request)
  touch "$bin/.instrumented"
fi
dotnet "$bin/SharpLM.Fuzz.dll" list | grep -q "^$harness " || { echo "unknown harness '$harness'"; dotnet "$bin/SharpLM.Fuzz.dll" list; exit 2; }

findings=$out/$harness
rm -rf "$findings"
# -t 1000: an input running past one second is a hang. -m none: .NET reserves address space up
# front, so AFL's memory limit is useless; the harness enforces its own allocation bound instead.
# DOTNET_GCHeapHardLimit (1 GB): an input that makes a parser allocate wildly gets an
# OutOfMemoryException (a finding) instead of swapping the shared machine or meeting the OOM killer.
DOTNET_GCHeapHardLimit=0x40000000 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  nice -n "${FUZZ_NICE:-19}" afl-fuzz -V "$seconds" ${FUZZ_EXECS:+-E "$FUZZ_EXECS"} -t 1000 -m none -i "$here/seeds/$harness" -o "$findings" \
  -- dotnet "$bin/SharpLM.Fuzz.dll" fuzz "$harness" > "$out/$harness.log" 2>&1 || true

stats=$findings/default/fuzzer_stats
[[ -f $stats ]] || { echo "afl-fuzz did not start; see $out/$harness.log"; tail -20 "$out/$harness.log"; exit 1; }
crashes=$(ls "$findings/default/crashes" 2>/dev/null | grep -vc README || true)
hangs=$(ls "$findings/default/hangs" 2>/dev/null | grep -vc README || true)
awk -v h="$harness" -v c="$crashes" -v g="$hangs" -F' *: ' '
  $1=="run_time"{t=$2} $1=="execs_done"{e=$2} $1=="execs_per_sec"{s=$2} $1=="corpus_count"{p=$2} $1=="bitmap_cvg"{b=$2}
  END{printf "%s: %s s, %s execs (%s/s), %s paths, coverage %s, %s crashes, %s hangs\n", h, t, e, s, p, b, c, g}' "$stats"
# The instrumented build only runs under afl-fuzz; replay with a normal build.
echo "replay findings: dotnet run -c Release --project $here -- run $harness $findings/default/crashes $findings/default/hangs"

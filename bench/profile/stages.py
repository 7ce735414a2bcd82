#!/usr/bin/env python3
"""Where the silo's CPU goes, stage by stage, from a `perf record -g` profile of the silo process.

Usage: bench/profile/profile-silo.sh PID SECONDS [OUT]   (records, then runs this on the result)
       perf script -i perf.data -F comm,ip,sym --no-demangle | bench/profile/stages.py TICKS

Each sample goes to the first stage in FRAME_STAGES that any frame of its stack names (most specific first: a parse
called from a grain turn is the parse, not Orleans); samples of threads that run one thing only (the server GC's,
librdkafka's) go by thread name. TICKS, the ticks the
silo took during the recording, turns shares into CPU milliseconds per 1,000 ticks when the silo's CPU time over the
recording is given as a second argument (seconds). A second table gives each sample to the owner of its innermost
frame (OWNERS): how much of the CPU is this repository's own code's self time, and how much the libraries and the
kernel under it.
"""
import re
import sys
from collections import Counter

# (stage, pattern on a frame's symbol), most specific first: the first stage any frame of a sample matches wins.
FRAME_STAGES = [
    ("writer: parse", r"Laevitas\.Grains\.Writing\.TickPayloadParser|Laevitas\.Grains\.Text\.|PartitionWriterGrain`1\[.*\]::Parse"),
    ("writer: COPY encode and PostgreSQL client", r"Laevitas\.Grains\.Storage\.|Npgsql"),
    ("writer: grain (batches, stream delivery)", r"Laevitas\.Grains\.Writing\."),
    ("consume: Kafka → stream batches", r"Laevitas\.Streaming\.Kafka\.Providers\.|Confluent\.Kafka\.Consumer|LZ4_decompress|rd_kafka_consume|rd_kafka_consumer_poll"),
    ("produce: grain → Kafka", r"Laevitas\.Grains\.Publishing\.|Confluent\.Kafka\.Producer|LZ4_compress|rd_kafka_produce"),
    ("instrument grain: accept", r"Laevitas\.Grains\.Instruments\."),
    ("dispatch: queues and grain calls", r"Laevitas\.Silo\.Dispatch\."),
    ("feed: WebSocket read and parse", r"Laevitas\.Feed\.|System\.Net\.WebSockets"),
    ("Orleans: messaging, serialization, scheduling", r"\[Orleans\.|Orleans\.Runtime\.|Orleans\.Serialization"),
    ("metrics and stats", r"OpenTelemetry|System\.Diagnostics\.Metrics|Laevitas\.Silo\.Stats|Laevitas\.Diagnostics"),
    ("other managed (thread pool, timers, sockets)", r"\[System\.|System\.Threading|System\.Net\."),
]
THREAD_STAGES = [
    ("GC", r"^\.NET (Server GC|BGC|Background GC)|^\.NET SigHandler"),
    ("librdkafka threads (produce and consume I/O)", r"^rdk:"),
    ("JIT (tiered compilation)", r"^\.NET Tiered Com"),
    ("socket event loop (.NET Sockets)", r"^\.NET Sockets"),
]
# Who owns the innermost frame of a sample (its self time): how much of the silo's CPU is this repository's own code,
# and how much the libraries and the kernel it calls. First match wins; kernel and libc symbols carry no assembly.
OWNERS = [
    ("this repository (Laevitas.*)", r"\[Laevitas"),
    ("System.Text.Json", r"\[System\.Text\.Json\]"),
    ("Orleans", r"\[Orleans"),
    ("Confluent.Kafka (managed)", r"\[Confluent"),
    ("Npgsql", r"\[Npgsql"),
    ("OpenTelemetry", r"\[OpenTelemetry"),
    ("the rest of .NET (managed)", r"\[System|\[Microsoft"),
    ("librdkafka (native)", r"\brd_|LZ4_|lz4"),
    ("native code without symbols (librdkafka's and the runtime's threads)", r"\[unknown\]"),
    ("runtime stubs", r"\bstub |JIT_"),
    ("kernel and libc", r""),
]
COMPILED = [(stage, re.compile(p)) for stage, p in FRAME_STAGES]
OWNER_PATTERNS = [(owner, re.compile(p)) for owner, p in OWNERS]
THREADS = [(stage, re.compile(p)) for stage, p in THREAD_STAGES]


def classify(comm, frames):
    for stage, pattern in THREADS:
        if pattern.search(comm):
            return stage
    for stage, pattern in COMPILED:
        if any(pattern.search(frame) for frame in frames):
            return stage
    return "unattributed (kernel, runtime without symbols)"


def owner(frames):
    leaf = frames[0] if frames else ""
    return next(name for name, pattern in OWNER_PATTERNS if pattern.search(leaf))


def samples(lines):
    comm, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line.startswith(("\t", " ")):
            comm, frames = line.split("  ")[0].strip(), []
        else:
            frames.append(line.strip())
    if comm is not None:
        yield comm, frames


def main():
    ticks = float(sys.argv[1]) if len(sys.argv) > 1 else None
    cpu_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else None
    counts, owners = Counter(), Counter()
    for comm, frames in samples(sys.stdin):
        counts[classify(comm, frames)] += 1
        owners[owner(frames)] += 1
    total = sum(counts.values())
    print(f"| stage | share of the silo's samples | CPU ms per 1,000 ticks |")
    print(f"|---|---:|---:|")
    for stage, n in counts.most_common():
        share = n / total
        ms = f"{share * cpu_seconds * 1000 / ticks * 1000:.1f}" if ticks and cpu_seconds else "–"
        print(f"| {stage} | {share:.1%} | {ms} |")
    print(f"| all ({total} samples) | 100 % | {cpu_seconds * 1000 / ticks * 1000:.1f} |" if ticks and cpu_seconds else f"| all ({total} samples) | 100 % | – |")
    print()
    print("| innermost frame's owner (self time) | share of the silo's samples |")
    print("|---|---:|")
    for name, n in owners.most_common():
        print(f"| {name} | {n / total:.1%} |")


if __name__ == "__main__":
    main()

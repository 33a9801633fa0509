#!/usr/bin/env bash
# bench.sh: the load runs of BENCHMARKS.md, in one go, on this machine.
#
#   bash cmd/natqload/bench.sh [OUTDIR]        (default /tmp/natq-bench)
#
# Builds natq, natq-baseline, natqload and natq-synth; generates the big
# compound (BUILDINGS, 512 buildings) and plans it; then, each on a fresh
# redis-server, runs natq and the baseline on the same requests, one after
# the other, and writes every figure and a CPU profile of natq into OUTDIR.
# Environment: DURATION (10s), BOOK_DURATION (2s: the booking runs, which
# must stay within the big compound's online seats, as the goal is
# measured on the success path), BUILDINGS (512), CONCURRENCY (64), QUICK (1: only the two
# booking runs, natq's profiled, for a quick look at a change), and the ports REDIS_PORT
# (6399), NATQ_PORT (8088), NATQ2_PORT (8087: the rush's second instance), BASE_PORT (8089), PPROF_PORT (6069). REDIS_NICE (unset) runs each
# redis-server at that nice value (e.g. -10, as root), for both servers alike: Redis before
# the processes it shares the cores with (BENCHMARKS.md, "Redis waits for a core"). RUNS picks the parts to run
# (default "book half light ticket desk peak mix rush city gobench"; e.g. RUNS="book ticket desk" for
# natq's CPU per request against the baseline on each kind, every natq run profiled; "pairs" runs
# the booking, ticket and desk ratios PAIRS (5) times, each pair in turn natq first, and prints
# each kind's median (PAIR_KINDS picks some of "book ticket desk"); "peak"
# runs both servers at each of PEAK_CONCURRENCY, "64 128 192 256" in flight, for booking and
# the desk, PEAK_DURATION (5s) for the desk's, and prints each side's best).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/natq-bench}
dur=${DURATION:-10s}
bookdur=${BOOK_DURATION:-2s}
conc=${CONCURRENCY:-64}
rport=${REDIS_PORT:-6399}
nport=${NATQ_PORT:-8088}
bport=${BASE_PORT:-8089}
pport=${PPROF_PORT:-6069}
mkdir -p "$out"
bin=$out/bin
mkdir -p "$bin"
go build -o "$bin" ./cmd/natq ./cmd/natq-baseline ./cmd/natqload ./cmd/natq-synth

# The big compound: BUILDINGS (512) buildings, about 123,000 residents at
# its sites, 133,000 online seats: enough that the booking runs stay on
# the success path at the goal's rate (0.8 of the baseline's ~41,000/s, for
# 2 s, is 66,000 bookings; 256 buildings had 84,000 seats, and the first
# buildings to fill answer "full" early). A plan for tomorrow, so that no
# window has ended while the run books.
day=$(date -u -d tomorrow +%F)
"$bin/natq-synth" -random 1 -buildings "${BUILDINGS:-512}" -sites 16 -o "$out/big.geojson"
"$bin/natq" plan "$out/big.geojson" -o "$out/big.plan.geojson" --desks 120 --date "$day" --tz Asia/Shanghai >"$out/plan.txt" 2>/dev/null
compound=random-1

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# fresh_redis starts an empty redis-server (no persistence) on $rport.
redis_pid=
fresh_redis() {
	if [ -n "$redis_pid" ]; then kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; fi
	rm -rf "$out/redis" && mkdir -p "$out/redis"
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$out/redis" >"$out/redis/log" 2>&1 &
	redis_pid=$!
	pids+=("$redis_pid")
	if [ -n "${REDIS_NICE:-}" ]; then renice -n "$REDIS_NICE" -p "$redis_pid" >/dev/null; fi
	for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && return; sleep 0.1; done
	echo "redis-server did not start" >&2
	exit 1
}

wait_http() {
	for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "$1 does not answer" >&2
	exit 1
}

export REDIS_URL=redis://127.0.0.1:$rport NATQ_SECRET=natq-bench-secret-0123456789
natq_pid=
start_natq() {
	if [ -n "$natq_pid" ]; then kill "$natq_pid"; wait "$natq_pid" 2>/dev/null || true; fi
	echo "desk,$compound,marshal" >"$out/staff.csv"
	# --early/--grace 48h: a ticket of any window may be checked in, so the
	# desk requests do their work whatever the time of day.
	"$bin/natq" serve --plan "$out/big.plan.geojson" --addr "127.0.0.1:$nport" --booking-limit 0 \
		--early 48h --grace 48h --staff-file "$out/staff.csv" --pprof "127.0.0.1:$pport" \
		>"$out/natq.stdout" 2>"$out/natq.stderr" &
	natq_pid=$!
	pids+=("$natq_pid")
	wait_http "http://127.0.0.1:$nport/healthz"
	token=$(sed -n 's/.*(shown once): //p' "$out/natq.stdout")
}
base_pid=
start_base() {
	if [ -n "$base_pid" ]; then kill "$base_pid"; wait "$base_pid" 2>/dev/null || true; fi
	"$bin/natq-baseline" --addr "127.0.0.1:$bport" 2>"$out/baseline.stderr" &
	base_pid=$!
	pids+=("$base_pid")
	for _ in $(seq 50); do curl -s "http://127.0.0.1:$bport/" >/dev/null 2>&1 && return; sleep 0.1; done
}

load() { # load NAME natq|base MIX [extra flags]
	local name=$1 target=$2 mix=$3
	shift 3
	local url=http://127.0.0.1:$nport check=true server=$natq_pid d=$dur
	case $mix in book=1) d=$bookdur ;; esac
	if [ "$target" = base ]; then url=http://127.0.0.1:$bport check=false server=$base_pid; fi
	echo "== $name ($target, --mix $mix)" | tee -a "$out/results.txt"
	NATQLOAD_STAFF_TOKEN=${token:-} "$bin/natqload" --url "$url" --plan "$out/big.plan.geojson" --duration "$d" \
		--concurrency "$conc" --mix "$mix" --check=$check --watch "$target=$server,redis-server=$redis_pid" "$@" \
		2>>"$out/natqload.stderr" | tee "$out/last.txt" | tee -a "$out/results.txt"
}
purl=http://127.0.0.1:$pport/debug/pprof/profile
rate_of_last() { sed -n 's/.*: \([0-9]*\) requests\/s$/\1/p' "$out/last.txt" | head -1; }
kind_rate_of_last() { awk -v k="$1" '$1 == k { print $3; exit }' "$out/last.txt"; } # a kind's "per s" column

: >"$out/results.txt"
{ echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"; date -u; git rev-parse --short HEAD; [ -z "${REDIS_NICE:-}" ] || echo "redis-server at nice $REDIS_NICE"; } | tee -a "$out/results.txt"

runs=" ${RUNS:-book half light ticket desk peak mix rush city gobench} "
want() { case $runs in *" $1 "*) return 0 ;; esac; return 1; }
if [ "${QUICK:-}" = 1 ]; then runs=" book "; fi

# Bookings: each side on a fresh Redis; natq's runs are profiled (pprof).
half=
if want book || want half; then
	fresh_redis; start_base; load booking base book=1
	half=$(($(rate_of_last) / 2))
fi
want book && { fresh_redis; start_natq; load booking natq book=1 --pprof-url "$purl" --pprof-out "$out/natq-book.cpu.pprof"; }
if [ "${QUICK:-}" = 1 ]; then
	go tool pprof -top -nodecount=25 "$bin/natq" "$out/natq-book.cpu.pprof" >"$out/natq-book.top.txt" 2>/dev/null || true
	go tool pprof -top -cum -nodecount=40 "$bin/natq" "$out/natq-book.cpu.pprof" >"$out/natq-book.cum.txt" 2>/dev/null || true
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt"
	exit 0
fi
# The goal's latency: natq's p99 at half the baseline's rate, and at a light 1,000 bookings/s.
want half && { fresh_redis; start_natq; load "booking at half the baseline's rate, $half/s" natq book=1 --rate "$half"; }
want light && { fresh_redis; start_natq; load "booking at 1000/s" natq book=1 --rate 1000; }
# Ticket reads, then the desk (check-in, call, sampled), on one round each.
if want ticket; then
	fresh_redis; start_base; load tickets base ticket=1 --prebook 5000
	fresh_redis; start_natq; load tickets natq ticket=1 --prebook 5000 --pprof-url "$purl" --pprof-out "$out/natq-ticket.cpu.pprof"
fi
if want desk; then
	fresh_redis; start_base; load desk base desk=1 --prebook 20000 --staff-token none
	fresh_redis; start_natq; load desk natq desk=1 --prebook 20000 --pprof-url "$purl" --pprof-out "$out/natq-desk.cpu.pprof"
fi
# The goals' ratios, PAIRS (5) times over: on a shared machine one run's
# ratio moves by a fifth from sitting to sitting (BENCHMARKS.md, "The
# goals, paired"). Each pair runs natq and the baseline back to back on
# fresh Redis, in turn first (so that neither always runs on a machine
# the other has just loaded), and prints its ratio; then each kind's
# ratios sorted, and their median.
if want pairs; then
	for kind in ${PAIR_KINDS:-book ticket desk}; do
		ratios=()
		for i in $(seq "${PAIRS:-5}"); do
			order="base natq"
			[ $((i % 2)) = 0 ] && order="natq base"
			rb=0 rn=0
			for target in $order; do
				fresh_redis
				extra=()
				case $kind in
				book) mix=book=1 ;;
				ticket) mix=ticket=1 extra=(--prebook 5000) ;;
				desk) mix=desk=1 extra=(--prebook 20000) ;;
				esac
				if [ "$target" = base ]; then
					start_base
					[ "$kind" = desk ] && extra+=(--staff-token none)
				else
					start_natq
				fi
				load "pair $i of ${PAIRS:-5}: $kind" "$target" "$mix" "${extra[@]}"
				r=$(rate_of_last)
				[ "$kind" = desk ] && r=$(kind_rate_of_last checkin) # the desk's check-ins/s, as its goal's figures
				if [ "$target" = base ]; then rb=$r; else rn=$r; fi
			done
			r=$(awk -v a="$rn" -v b="$rb" 'BEGIN { printf "%.2f", a / b }')
			echo "pair $i, $kind ($order): natq $rn/s, baseline $rb/s: ratio $r" | tee -a "$out/results.txt"
			ratios+=("$r")
		done
		sorted=$(printf '%s\n' "${ratios[@]}" | sort -n | tr '\n' ' ')
		median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
		echo "ratios, $kind, 64 in flight: $sorted(median $median)" | tee -a "$out/results.txt"
	done
fi
# Capacity: each server's peak over PEAK_CONCURRENCY (in flight), booking
# and the desk, each run on a fresh Redis. At 64 in flight the baseline is
# at its peak and natq is not (BENCHMARKS.md, "Capacity"): the goal's runs
# above are at CONCURRENCY, and this sets each side's best beside them.
if want peak; then
	pd=${PEAK_DURATION:-5s}
	for kind in book desk; do
		best_base=0 best_natq=0 at_base= at_natq=
		for c in ${PEAK_CONCURRENCY:-64 128 192 256}; do
			for target in base natq; do
				fresh_redis
				if [ "$target" = base ]; then start_base; else start_natq; fi
				if [ "$kind" = book ]; then
					conc=$c load "capacity: booking, $c in flight" "$target" book=1
					r=$(rate_of_last)
				else
					extra=()
					[ "$target" = base ] && extra=(--staff-token none)
					conc=$c dur=$pd load "capacity: desk, $c in flight" "$target" desk=1 --prebook 20000 "${extra[@]}"
					r=$(kind_rate_of_last checkin)
				fi
				if [ "$target" = base ] && [ "$r" -gt "$best_base" ]; then best_base=$r at_base=$c; fi
				if [ "$target" = natq ] && [ "$r" -gt "$best_natq" ]; then best_natq=$r at_natq=$c; fi
			done
		done
		unit="bookings/s"
		[ "$kind" = desk ] && unit="check-ins/s"
		echo "capacity, $kind: baseline $best_base $unit at $at_base in flight, natq $best_natq at $at_natq: ratio $(awk -v a="$best_natq" -v b="$best_base" 'BEGIN { printf "%.2f", a / b }')" |
			tee -a "$out/results.txt"
	done
fi
# The realistic mix on natq, checked for overbooking at the end.
want mix && { fresh_redis; start_natq; load mix natq book=70,repeat=10,ticket=15,desk=5 --pprof-url "$purl" --pprof-out "$out/natq-mix.cpu.pprof"; }
# The rush with real desks: booking, repeats and ticket reads at
# CONCURRENCY, while a second natqload makes the desk's changes at
# DESK_RATE (16) of each kind a second, a real site's pace (about one a
# second at each of the 16 sites) rather than the mix's share; then natq's
# forecast counts (runs of the model, reads given a kept forecast).
# Then the same with RUSH_LISTENERS (2,000) residents' phones on the sites'
# event streams, as their ticket pages hold them (natqload --listeners),
# and then beside a second instance with phones of its own (below).
if want rush; then
	for phones in 0 "${RUSH_LISTENERS:-2000}"; do
		fresh_redis; start_natq
		NATQLOAD_STAFF_TOKEN=$token "$bin/natqload" --url "http://127.0.0.1:$nport" --plan "$out/big.plan.geojson" --duration "$dur" \
			--concurrency 8 --mix desk=1 --rate "${DESK_RATE:-16}" --prebook 2000 --first-room 500000 --check=false \
			>"$out/rush-desk.txt" 2>>"$out/natqload.stderr" &
		desk_pid=$!
		load "the rush, with the desk at ${DESK_RATE:-16} of each kind a second, $phones phones listening" natq book=70,repeat=10,ticket=15 \
			--listeners "$phones"
		wait "$desk_pid"
		grep -E '^(kind|checkin|call|sampled) ' "$out/rush-desk.txt" | tee -a "$out/results.txt"
		curl -s "http://127.0.0.1:$nport/metrics" | grep -E '^natq_forecasts_total' | tee -a "$out/results.txt"
	done
	# Then once more beside a second instance on the same Redis (port
	# NATQ2_PORT, 8087) whose only work is RUSH_LISTENERS phones of its own
	# (and a booking a second): what the first instance's rush costs it,
	# in CPU over the rush's DURATION, as behind a load balancer every
	# instance holds phones of every site.
	phones=${RUSH_LISTENERS:-2000} n2port=${NATQ2_PORT:-8087} secs=${dur%s}
	case $secs in *[!0-9]* | '')
		echo "the rush beside a second instance needs DURATION in seconds (such as 10s), not $dur" >&2
		exit 1
		;;
	esac
	fresh_redis; start_natq
	"$bin/natq" serve --plan "$out/big.plan.geojson" --addr "127.0.0.1:$n2port" --booking-limit 0 \
		>"$out/natq2.stdout" 2>"$out/natq2.stderr" &
	natq2_pid=$!
	pids+=("$natq2_pid")
	wait_http "http://127.0.0.1:$n2port/healthz"
	"$bin/natqload" --url "http://127.0.0.1:$n2port" --plan "$out/big.plan.geojson" --duration "$((secs + 2))s" \
		--concurrency 1 --mix book=1 --rate 1 --first-room 900000 --listeners "$phones" --check=false \
		>"$out/rush-second.txt" 2>>"$out/natqload.stderr" &
	second_pid=$!
	sleep 1
	NATQLOAD_STAFF_TOKEN=$token "$bin/natqload" --url "http://127.0.0.1:$nport" --plan "$out/big.plan.geojson" --duration "$dur" \
		--concurrency 8 --mix desk=1 --rate "${DESK_RATE:-16}" --prebook 2000 --first-room 500000 --check=false \
		>"$out/rush-desk.txt" 2>>"$out/natqload.stderr" &
	desk_pid=$!
	ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
	t0=$(ticks "$natq2_pid")
	load "the rush, $phones phones listening, beside a second instance holding $phones phones of its own" natq \
		book=70,repeat=10,ticket=15 --listeners "$phones"
	t1=$(ticks "$natq2_pid")
	wait "$desk_pid" "$second_pid"
	grep -E '^(kind|checkin|call|sampled) ' "$out/rush-desk.txt" | tee -a "$out/results.txt"
	echo "second instance: $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) ms CPU during the rush; its $(grep '^listeners' "$out/rush-second.txt")" |
		tee -a "$out/results.txt"
	kill "$natq2_pid"
	wait "$natq2_pid" 2>/dev/null || true
fi

for p in book ticket desk mix; do
	[ -f "$out/natq-$p.cpu.pprof" ] || continue
	go tool pprof -top -nodecount=25 "$bin/natq" "$out/natq-$p.cpu.pprof" >"$out/natq-$p.top.txt" 2>/dev/null || true
	go tool pprof -top -cum -nodecount=40 "$bin/natq" "$out/natq-$p.cpu.pprof" >"$out/natq-$p.cum.txt" 2>/dev/null || true
done
cleanup
pids=()

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt"
want city || want gobench || exit 0

# The city: generate CITY compounds (a stream), then plan every one.
if want city; then
city=${CITY:-500}
echo "== city of $city compounds" | tee -a "$out/results.txt"
/usr/bin/time -f "natq-synth city: %e s wall, %U s user, %M KB peak RSS" -a -o "$out/results.txt" \
	"$bin/natq-synth" city --compounds "$city" -o "$out/city.geojson" 2>>"$out/results.txt"
rm -rf "$out/city-plans"
/usr/bin/time -v "$bin/natq" plan "$out/city.geojson" --out "$out/city-plans" --desks 12 --date "$day" --tz Asia/Shanghai \
	>/dev/null 2>"$out/city-plan.time"
grep -E 'Elapsed|Maximum resident|User time|System time|Percent of CPU' "$out/city-plan.time" | tee -a "$out/results.txt"
/usr/bin/time -f "natq inspect (read + find compounds only): %e s wall, %U s user, %M KB peak RSS" -a -o "$out/results.txt" \
	"$bin/natq" inspect "$out/city.geojson" >/dev/null
tail -1 "$out/results.txt"
fi
want gobench || exit 0

# The Go benchmarks, summarised by benchstat (go install golang.org/x/perf/cmd/benchstat@latest).
go test -run '^$' -bench . -benchtime 1000x -count 6 ./queue/ >"$out/bench.txt"
go test -run '^$' -bench HTTP -benchtime 2000x -count 6 ./queue/server/ >>"$out/bench.txt"
go test -run '^$' -bench 'DecodeJSON|EncodeTicket' -count 6 ./queue/server/ >>"$out/bench.txt"
go test -run '^$' -bench . -benchtime 0.3s -count 6 ./qr/ >>"$out/bench.txt"
go test -run '^$' -bench 'BenchmarkPlan$' -benchtime 3x -count 6 ./planner/ >>"$out/bench.txt"
if command -v benchstat >/dev/null || [ -x "$(go env GOPATH)/bin/benchstat" ]; then
	PATH=$PATH:$(go env GOPATH)/bin benchstat "$out/bench.txt" | tee "$out/benchstat.txt"
fi
echo "results in $out/results.txt; profiles in $out/natq-*.top.txt; benchmarks in $out/bench.txt"

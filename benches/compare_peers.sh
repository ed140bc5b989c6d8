#!/usr/bin/env bash
# Times costcast against the peers in ../shared/peers (floor, numba, numpy)
# on the canonical case, alternately, REPS rounds, and prints the median
# wall time and peak memory of each with the ratio peer / costcast.
#
#   benches/compare_peers.sh [N]            default N = 1000000
#   REPS=5 PEERS="floor numba" benches/compare_peers.sh 100000
#
# costcast writes every CSV of spec section 9 (charts off: --format csv);
# the peers compute only npv, savings and payback. The peers are copied to
# target/peers (../shared stays untouched); numba's compile cache is warmed
# first. Run it on a quiet machine: the last column is the CPU seconds other
# processes used during each run, which should stay near 0.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
REPS=${REPS:-3}
SEED=${SEED:-42}
PEERS=${PEERS:-"floor numba numpy"}
SRC=${PEERS_SRC:-../shared/peers}
WORK=target/peers

rm -rf "$WORK/py" && mkdir -p "$WORK/py"
cp "$SRC"/*.py "$WORK/py/"
mkdir -p "$WORK/examples" && cp -r "$SRC/../examples/." "$WORK/examples/"
cargo build --release --quiet
if [[ " $PEERS " == *" floor "* ]]; then
  cargo build --release --quiet --manifest-path "$SRC/floor/Cargo.toml" --target-dir "$WORK/floor-target"
fi
if [[ " $PEERS " == *" numba "* || " $PEERS " == *" numpy "* ]]; then
  python3 -c 'import numpy, scipy, numba' 2>/dev/null || python3 -m pip install --quiet numpy scipy numba
fi
if [[ " $PEERS " == *" numba "* ]]; then
  python3 "$WORK/py/numba_peer.py" -n 2000 --seed 1 > /dev/null   # compile once, cached
fi

cmd_for() {
  case "$1" in
    costcast) echo "target/release/costcast run scenarios/acme-ai-roadmap.toml -n $N --seed $SEED --format csv -o $WORK/out" ;;
    floor)    echo "$WORK/floor-target/release/floor -n $N --seed $SEED" ;;
    numba)    echo "python3 $WORK/py/numba_peer.py -n $N --seed $SEED" ;;
    numpy)    echo "python3 $WORK/py/numpy_peer.py -n $N --seed $SEED" ;;
  esac
}
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
tck=$(getconf CLK_TCK)

declare -A WALL RSS OTHER
for rep in $(seq "$REPS"); do
  for p in costcast $PEERS; do
    b0=$(busy_ticks)
    # shellcheck disable=SC2046
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/.time" $(cmd_for "$p") > "$WORK/$p.log" 2>&1
    b1=$(busy_ticks)
    read -r wall rss usr sys < "$WORK/.time"
    other=$(awk -v b="$((b1 - b0))" -v t="$tck" -v u="$usr" -v s="$sys" 'BEGIN{o=b/t-u-s; printf "%.2f", (o<0?0:o)}')
    WALL[$p]+="$wall "; RSS[$p]+="$rss "; OTHER[$p]+="$other "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base=$(echo "${WALL[costcast]}" | median)
printf '%s\n' "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), N = $N, $REPS rounds, seed $SEED"
printf '%-10s %10s %12s %16s %14s\n' peer wall_s max_rss_mb peer/costcast other_cpu_s
for p in costcast $PEERS; do
  w=$(echo "${WALL[$p]}" | median)
  r=$(echo "${RSS[$p]}" | median)
  o=$(echo "${OTHER[$p]}" | tr ' ' '\n' | sort -g | tail -n 1)
  printf '%-10s %10.2f %12.0f %16.2f %14s\n' "$p" "$w" "$(awk -v r="$r" 'BEGIN{print r/1024}')" "$(awk -v w="$w" -v b="$base" 'BEGIN{print w/b}')" "$o"
done

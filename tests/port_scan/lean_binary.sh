#!/bin/sh
# lean_binary.sh FULL LEAN DATA: robomlx-port-scan must give `robomlx port-scan`'s report (JSON,
# the run's seconds aside) and exit codes, and must not load MLX or OpenCV (its reason to exist:
# start-up in milliseconds instead of the full CLI's few hundred).
full=$1; lean=$2; data=$3; fail=0
strip() { grep -v '"seconds"'; }
a=$("$full" port-scan "$data" --format json --quiet --jobs 1 | strip)
b=$("$lean" "$data" --format json --quiet --jobs 1 | strip)
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: reports differ"; fail=1; }
"$lean" /nonexistent/port-scan-path >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: missing path must exit 1"; fail=1; }
"$lean" "$data" --format xml >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad --format must exit 2"; fail=1; }
"$lean" "$data/compute_torch.py" --fail-on compute --quiet >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: --fail-on must exit 1"; fail=1; }
if command -v readelf >/dev/null; then
  readelf -d "$lean" | grep NEEDED | grep -Eq 'mlx|opencv|robomlx' && { echo "FAIL: links MLX / OpenCV / librobomlx"; fail=1; }
fi
exit $fail

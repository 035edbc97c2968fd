#!/bin/sh
# A toy training job for `lathe run`. It reports both ways: by printing
# directive lines on stdout (docs/jobs.md), which needs nothing but a POSIX
# shell and awk, and through the tracking API that `lathe run` serves it
# (rest_client.py, Python's standard library only, wherever python3 exists;
# mlflow_client.py too where the mlflow package is installed).
#
#   lathe run -p lr=0.1 -p epochs=5 -- sh testdata/jobs/train.sh
#   lathe run -p lr=0.1 -p fail=1 -- sh testdata/jobs/train.sh   # exits 3
set -eu

lr=${LATHE_PARAM_LR:-0.1}
epochs=${LATHE_PARAM_EPOCHS:-5}

echo "lathe: param optimizer=sgd"
echo "lathe: tag dataset=toy"
echo "training for $epochs epochs at learning rate $lr" >&2

loss=1
i=1
while [ "$i" -le "$epochs" ]; do
	loss=$(awk -v l="$loss" -v r="$lr" 'BEGIN { printf "%.6f", l * (1 - r) }')
	acc=$(awk -v l="$loss" 'BEGIN { printf "%.6f", 1 - l / 2 }')
	printf 'epoch %d/%d: 50%%\r' "$i" "$epochs"
	printf 'epoch %d/%d: loss %s acc %s\n' "$i" "$epochs" "$loss" "$acc"
	echo "lathe: metric loss=$loss acc=$acc step=$i"
	i=$((i + 1))
done
echo "lathe: metrics {\"final_loss\": $loss, \"final_acc\": $acc}"

if [ "${LATHE_PARAM_FAIL:-0}" != 0 ]; then
	echo "failing on purpose (fail=$LATHE_PARAM_FAIL)" >&2
	exit 3
fi

if command -v python3 >/dev/null 2>&1; then
	python3 "$(dirname "$0")/rest_client.py"
	if python3 -c 'import mlflow' 2>/dev/null; then
		python3 "$(dirname "$0")/mlflow_client.py"
	fi
fi

"""Log to the run of `lathe run` through the MLflow REST API, with nothing
but Python's standard library: the same calls an MLflow client makes.

lathe sets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_TRACKING_TOKEN for
the job; train.sh calls this wherever python3 exists.
"""

import json
import os
import time
import urllib.request

uri = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
run_id = os.environ["MLFLOW_RUN_ID"]
token = os.environ.get("MLFLOW_TRACKING_TOKEN", "")


def post(endpoint, body):
    req = urllib.request.Request(
        f"{uri}/api/2.0/mlflow/{endpoint}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


now = int(time.time() * 1000)
loss = 1.0
metrics = []
for step in range(1, 6):
    loss *= 0.8
    metrics.append({"key": "api_loss", "value": loss, "timestamp": now + step, "step": step})
post("runs/log-batch", {"run_id": run_id, "metrics": metrics,
                        "tags": [{"key": "reported_by", "value": "rest-api"}]})
print(f"logged {len(metrics)} points of api_loss through {uri}")

"""Log to the run of `lathe run` through MLflow's client.

lathe sets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_TRACKING_TOKEN, so
mlflow.start_run() resumes the run lathe created and authenticates with the
run's token. train.sh calls this only where mlflow is installed.
"""

import mlflow

with mlflow.start_run():
    mlflow.log_metric("client_metric", 1.0, step=0)
    mlflow.set_tag("reported_by", "mlflow-client")

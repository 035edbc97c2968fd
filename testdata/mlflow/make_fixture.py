"""Writes the MLflow file-store fixtures under testdata/mlflow/ as MLflow's
FileStore lays them out (mlflow/store/tracking/file_store.py and
mlflow/store/model_registry/file_store.py): meta.yaml files dumped with
PyYAML in block style, one file per param and tag, metric files of
"timestamp value step" lines. It covers old and odd forms on purpose: a run
from MLflow 0.x (integer experiment_id, no run_id, run_name or
lifecycle_stage, 2-column metric lines, non-ASCII escaped by safe_dump
without allow_unicode), metric lines with extra columns, nested metric keys,
NaN and infinite values, params with newlines, deleted runs, a deleted
experiment in .trash/, a dataset input, and a model registry.

Run from the repository root: python3 testdata/mlflow/make_fixture.py
(needs PyYAML). The Go tests read the files it writes; they do not run it.
"""
import os
import shutil

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def dump(path, data, allow_unicode=True):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, default_flow_style=False, allow_unicode=allow_unicode)


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        f.write(text)


def experiment(root, exp_id, name, stage="active", created=1700000000000, tags=None, trash=False):
    d = os.path.join(root, ".trash" if trash else "", exp_id)
    dump(os.path.join(d, "meta.yaml"), {
        "artifact_location": "file:///home/alice/proj/mlruns/" + exp_id,
        "creation_time": created,
        "experiment_id": exp_id,
        "last_update_time": created + 5000,
        "lifecycle_stage": stage,
        "name": name,
    })
    for k, v in (tags or {}).items():
        write(os.path.join(d, "tags", k), v)
    return d


def run(exp_dir, exp_id, run_id, name, status, start, end, user="alice", stage="active",
        deleted_time=None, params=None, tags=None, metrics=None):
    d = os.path.join(exp_dir, run_id)
    meta = {
        "artifact_uri": "file:///home/alice/proj/mlruns/%s/%s/artifacts" % (exp_id, run_id),
        "end_time": end,
        "entry_point_name": "",
        "experiment_id": exp_id,
        "lifecycle_stage": stage,
        "run_id": run_id,
        "run_name": name,
        "run_uuid": run_id,
        "source_name": "",
        "source_type": 4,
        "source_version": "",
        "start_time": start,
        "status": status,
        "tags": [],
        "user_id": user,
    }
    if deleted_time is not None:
        meta["deleted_time"] = deleted_time
    dump(os.path.join(d, "meta.yaml"), meta)
    for k, v in (params or {}).items():
        write(os.path.join(d, "params", k), v)
    base_tags = {"mlflow.runName": name, "mlflow.user": user, "mlflow.source.name": "train.py",
                 "mlflow.source.type": "LOCAL"}
    base_tags.update(tags or {})
    for k, v in base_tags.items():
        write(os.path.join(d, "tags", k), v)
    for k, lines in (metrics or {}).items():
        write(os.path.join(d, "metrics", k), "".join(l + "\n" for l in lines))
    os.makedirs(os.path.join(d, "artifacts"), exist_ok=True)
    return d


def series(start, n, f, ts0=1700000001000):
    return ["%d %r %d" % (ts0 + 1000 * i, f(i), start + i) for i in range(n)]


def good(root):
    # Default experiment, one MLflow 2.x run with artifacts.
    e0 = experiment(root, "0", "Default")
    r = run(e0, "0", "3f1c2a9b8d7e4f60a1b2c3d4e5f60718", "brisk-oak-12", 3, 1700000001000, 1700000061000,
            params={"lr": "0.01", "epochs": "10", "optimizer": "adam"},
            tags={"mlflow.note.content": "# Baseline\nFirst try, default settings.\n"},
            metrics={"loss": series(0, 10, lambda i: round(1.0 / (i + 1), 4)),
                     "accuracy": series(0, 10, lambda i: round(0.5 + i * 0.04, 4))})
    write(os.path.join(r, "artifacts", "model", "MLmodel"), "artifact_path: model\nflavors:\n  sklearn: {}\n")
    write(os.path.join(r, "artifacts", "model", "model.pkl"), bytes(range(256)) * 4, "wb")
    write(os.path.join(r, "artifacts", "notes.txt"), "trained on the March snapshot\n")

    # Experiment 1: a long name (PyYAML folds it), tags, a dataset.
    e1 = experiment(root, "1", "churn prediction \u2014 weekly retraining of the gradient boosted model on the customer table",
                    tags={"mlflow.note.content": "Churn models.\nOwner: data team", "team": "growth"})
    did = "5d41402abc4b2a76b9719d911017c592"
    dump(os.path.join(e1, "datasets", did, "meta.yaml"), {
        "digest": "9f86d081",
        "name": "customers",
        "profile": '{"num_rows": 1000, "num_elements": 6000}',
        "schema": '{"mlflow_colspec": [{"type": "double", "name": "age", "required": true}, '
                  '{"type": "double", "name": "income", "required": true}, {"type": "long", "name": "tenure", "required": true}]}',
        "source": '{"uri": "s3://bucket/customers.parquet"}',
        "source_type": "s3",
    })
    ra_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    ra = run(e1, "1", ra_id, "gbm-depth-6", 3, 1700000100000, 1700000200000,
             params={"max_depth": "6", "learning_rate": "0.1", "features": "age\nincome\ntenure"},
             tags={"mlflow.note.content": "Depth 6 wins.", "stage": "candidate"},
             metrics={"train/loss": series(0, 5, lambda i: round(0.9 - i * 0.1, 3), 1700000100000),
                      "val/loss": series(0, 5, lambda i: round(0.95 - i * 0.1, 3), 1700000100000),
                      "val/auc": ["1700000100000 0.71 0", "1700000101000 nan 1", "1700000102000 0.78 2",
                                  "1700000103000 inf 3", "1700000104000 -inf 4", "1700000105000 0.81 5"]})
    iid = "8f14e45fceea167a5a36dedd4bea2543"
    dump(os.path.join(ra, "inputs", iid, "meta.yaml"), {
        "destination_id": did, "destination_type": "RUN", "source_id": did, "source_type": "DATASET",
        "tags": {"mlflow.data.context": "training"},
    })
    write(os.path.join(ra, "artifacts", "model", "MLmodel"), "artifact_path: model\n")
    write(os.path.join(ra, "artifacts", "model", "model.bin"), b"\x00\x01GBM\xff" * 100, "wb")

    # An MLflow 0.x run: integer experiment_id, run_uuid only, no run_name or
    # lifecycle_stage, "name", 2-column metric lines, escaped non-ASCII.
    rb_id = "0123456789abcdef0123456789abcdef"
    rb = os.path.join(e1, rb_id)
    dump(os.path.join(rb, "meta.yaml"), {
        "artifact_uri": "/home/bob/mlruns/1/%s/artifacts" % rb_id,
        "end_time": 1600000060000,
        "entry_point_name": "",
        "experiment_id": 1,
        "name": "",
        "run_uuid": rb_id,
        "source_name": "train.py",
        "source_type": 4,
        "source_version": "",
        "start_time": 1600000000000,
        "status": 4,
        "tags": [],
        "user_id": "bob \u00e9l\u00e8ve",
    }, allow_unicode=False)
    write(os.path.join(rb, "params", "alpha"), "0.5")
    write(os.path.join(rb, "metrics", "loss"), "1600000001000 0.9\n1600000002000 0.7\n1600000003000 0.65\n")
    write(os.path.join(rb, "tags", "mlflow.source.name"), "train.py")

    # A deleted run (KILLED).
    run(e1, "1", "c0ffee00c0ffee00c0ffee00c0ffee00", "abandoned", 5, 1700000300000, 1700000310000,
        stage="deleted", deleted_time=1700000500000, params={"max_depth": "12"},
        metrics={"val/loss": ["1700000301000 0.99 0"]})

    # A run still RUNNING whose metric lines carry extra columns, as newer
    # MLflow versions may append (ignored by lathe).
    run(e1, "1", "d00dfeedd00dfeedd00dfeedd00dfeed", "live-run", 1, 1700000400000, None,
        metrics={"loss": ["1700000401000 0.5 0 d00dfeedd00dfeedd00dfeedd00dfeed",
                          "1700000402000 0.4 1 d00dfeedd00dfeedd00dfeedd00dfeed customers",
                          "1700000403000 0.3 2 d00dfeedd00dfeedd00dfeedd00dfeed customers 9f86d081"]})

    # A deleted experiment in .trash with a deleted run.
    e2 = experiment(root, "2", "old experiment", stage="deleted", trash=True)
    run(e2, "2", "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1", "old-run", 3, 1690000000000, 1690000100000,
        stage="deleted", deleted_time=1690000200000, params={"seed": "1"},
        metrics={"loss": ["1690000001000 1.5 0", "1690000002000 1.2 1"]})

    # The model registry.
    m = os.path.join(root, "models", "churn-model")
    dump(os.path.join(m, "meta.yaml"), {"creation_timestamp": 1700000250000, "description": "Weekly churn model",
                                        "last_updated_timestamp": 1700000260000, "name": "churn-model"})
    write(os.path.join(m, "tags", "team"), "growth")
    write(os.path.join(m, "aliases", "champion"), "2")
    for v, src, stage in [(1, "file:///home/alice/proj/mlruns/1/%s/artifacts/model" % ra_id, "Archived"),
                          (2, "runs:/%s/model" % ra_id, "Production"),
                          (3, "runs:/%s/model" % ra_id, "Deleted_Internal")]:
        vd = os.path.join(m, "version-%d" % v)
        dump(os.path.join(vd, "meta.yaml"), {
            "creation_timestamp": 1700000250000 + v, "current_stage": stage, "description": "",
            "last_updated_timestamp": 1700000250000 + v, "name": "churn-model", "run_id": ra_id, "run_link": "",
            "source": src, "status": "READY", "status_message": None, "user_id": "alice", "version": v})
        write(os.path.join(vd, "tags", "validated"), "yes" if v == 2 else "no")


def malformed(root):
    e1 = experiment(root, "1", "broken")
    run(e1, "1", "abcabcabcabcabcabcabcabcabcabc01", "bad-metric", 3, 1700000001000, 1700000002000,
        metrics={"loss": series(0, 6, lambda i: 0.5) + ["1700000007000 oops 6"]})
    bad = run(e1, "1", "abcabcabcabcabcabcabcabcabcabc02", "bad-meta", 3, 1700000001000, 1700000002000)
    write(os.path.join(bad, "meta.yaml"), "artifact_uri: ''\nend_time: 1700000002000\nrun_name: 'unterminated\n")
    run(e1, "1", "abcabcabcabcabcabcabcabcabcabc03", "fine", 3, 1700000001000, 1700000002000,
        params={"p": "1"}, metrics={"loss": series(0, 3, lambda i: 0.1)})


if __name__ == "__main__":
    for name, fn in [("mlruns", good), ("malformed/mlruns", malformed)]:
        root = os.path.join(HERE, name)
        shutil.rmtree(root, ignore_errors=True)
        fn(root)

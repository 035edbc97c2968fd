// Package mlflowimport brings the contents of an MLflow tracking store into
// a lathe store: experiments, runs with their whole metric history, params,
// tags, notes, inputs, statuses, times and lifecycle stages, artifact files
// and registered models.
//
// It reads three kinds of source (one type each, behind the source
// interface): an MLflow file store (filestore.go, the mlruns/ directory,
// with a strict parser for the YAML MLflow writes in yaml.go), an MLflow
// SQLite database (sqlite.go) and a running tracking server over its REST
// API (http.go). Import (importer.go, run.go) walks experiments, then runs
// on several goroutines, writing each run through the store's import
// methods (store.BeginRunImport, ImportRunData, ImportArtifact,
// FinishRunImport) so that the source's ids and times are kept, nothing is
// stored twice, and a run is never visible half imported.
//
// docs/import.md describes the sources, the mapping, idempotence and limits.
package mlflowimport

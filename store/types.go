package store

// Lifecycle stages and view types, as MLflow names them.
const (
	StageActive  = "active"
	StageDeleted = "deleted"
)

// ViewType selects runs or experiments by lifecycle stage.
type ViewType int

// View types, numbered as MLflow's ViewType enum.
const (
	ActiveOnly  ViewType = 1
	DeletedOnly ViewType = 2
	All         ViewType = 3
)

// Run statuses, as MLflow's RunStatus.
const (
	StatusRunning   = "RUNNING"
	StatusScheduled = "SCHEDULED"
	StatusFinished  = "FINISHED"
	StatusFailed    = "FAILED"
	StatusKilled    = "KILLED"
)

// Well-known MLflow tags that mirror run columns.
const (
	TagRunName  = "mlflow.runName"
	TagNote     = "mlflow.note.content"
	TagUser     = "mlflow.user"
	TagParentID = "mlflow.parentRunId"
	TagSource   = "mlflow.source.name"
)

// Experiment groups runs. IDs are integers; MLflow's default is 0.
type Experiment struct {
	ID               int64
	Name             string
	ArtifactLocation string
	LifecycleStage   string
	CreationTime     int64 // Unix ms
	LastUpdateTime   int64
	Tags             map[string]string
}

// Run is one execution of training code with everything it logged.
type Run struct {
	ID             string // 32 lowercase hex digits, as MLflow's run_id
	ExperimentID   int64
	Name           string
	Status         string
	StartTime      int64 // Unix ms; 0 when unknown
	EndTime        int64 // Unix ms; 0 while running
	UserID         string
	Host           string
	Source         string
	Notes          string
	ArtifactURI    string
	LifecycleStage string
	Params         map[string]string
	Tags           map[string]string
	Metrics        []MetricSummary // sorted by key
	Inputs         []DatasetInput
}

// Metric is one logged point.
type Metric struct {
	Key       string
	Value     float64
	Timestamp int64 // Unix ms
	Step      int64
}

// MetricSummary is kept up to date on every write so list views never scan
// points. Last is MLflow's latest metric: the point with the greatest
// (step, timestamp, value).
type MetricSummary struct {
	Key           string
	Last          float64
	LastStep      int64
	LastTimestamp int64
	Min, Max      float64 // NaN when every point is NaN
	Count         int64
}

// Param is a key/value logged once per run.
type Param struct{ Key, Value string }

// Tag is a mutable key/value on a run or experiment.
type Tag struct{ Key, Value string }

// Dataset describes data a run consumed (MLflow's log-inputs).
type Dataset struct {
	Name       string
	Digest     string
	SourceType string
	Source     string
	Schema     string
	Profile    string
}

// DatasetInput links a dataset to a run with input tags (for example
// mlflow.data.context = "training").
type DatasetInput struct {
	Dataset Dataset
	Tags    []Tag
}

// Event is one entry of the append-only audit trail and change feed.
type Event struct {
	ID      int64
	Time    int64
	Kind    string
	Entity  string
	Payload string
}

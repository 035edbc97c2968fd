package mlflowapi

import (
	"strconv"

	"github.com/lathe-ml/lathe/store"
)

// Response types, written as MLflow's server writes its protobuf messages
// (mlflow.utils.proto_json_utils.message_to_json): field names in snake_case,
// int64 fields as JSON numbers, unset fields and empty repeated fields left
// out, doubles that are not finite as the strings "NaN", "Infinity" and
// "-Infinity". Which fields MLflow leaves out when empty follows its entities'
// to_proto methods (for example RunInfo.end_time only once the run ended,
// RunInfo.user_id always).

// jsonFloat writes NaN and ±Inf as protobuf JSON's strings.
type jsonFloat = store.JSONFloat

type kvJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func sortedKVs(m map[string]string) []kvJSON {
	if len(m) == 0 {
		return nil
	}
	out := make([]kvJSON, 0, len(m))
	for _, k := range store.SortedKeys(m) {
		out = append(out, kvJSON{k, m[k]})
	}
	return out
}

type experimentJSON struct {
	ExperimentID     string   `json:"experiment_id"`
	Name             string   `json:"name"`
	ArtifactLocation string   `json:"artifact_location"`
	LifecycleStage   string   `json:"lifecycle_stage"`
	LastUpdateTime   int64    `json:"last_update_time,omitempty"`
	CreationTime     int64    `json:"creation_time,omitempty"`
	Tags             []kvJSON `json:"tags,omitempty"`
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// experimentArtifactRoot is where an experiment without an artifact location
// keeps its runs' artifacts: the proxied mlflow-artifacts root that the
// store's run artifact URIs (mlflow-artifacts:/<exp>/<run>/artifacts) sit in.
func experimentArtifactRoot(id int64) string { return "mlflow-artifacts:/" + formatID(id) }

func encodeExperiment(e *store.Experiment) experimentJSON {
	loc := e.ArtifactLocation
	if loc == "" {
		loc = experimentArtifactRoot(e.ID)
	}
	return experimentJSON{
		ExperimentID:     formatID(e.ID),
		Name:             e.Name,
		ArtifactLocation: loc,
		LifecycleStage:   e.LifecycleStage,
		LastUpdateTime:   e.LastUpdateTime,
		CreationTime:     e.CreationTime,
		Tags:             sortedKVs(e.Tags),
	}
}

type runInfoJSON struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time"`
	EndTime        int64  `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri,omitempty"`
	LifecycleStage string `json:"lifecycle_stage"`
}

type metricJSON struct {
	Key       string    `json:"key"`
	Value     jsonFloat `json:"value"`
	Timestamp int64     `json:"timestamp"`
	Step      int64     `json:"step"`
}

type runDataJSON struct {
	Metrics []metricJSON `json:"metrics,omitempty"`
	Params  []kvJSON     `json:"params,omitempty"`
	Tags    []kvJSON     `json:"tags,omitempty"`
}

type datasetJSON struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

type datasetInputJSON struct {
	Tags    []kvJSON    `json:"tags,omitempty"`
	Dataset datasetJSON `json:"dataset"`
}

type runInputsJSON struct {
	DatasetInputs []datasetInputJSON `json:"dataset_inputs,omitempty"`
}

type runJSON struct {
	Info   runInfoJSON   `json:"info"`
	Data   runDataJSON   `json:"data"`
	Inputs runInputsJSON `json:"inputs"`
}

func encodeRunInfo(r *store.Run) runInfoJSON {
	return runInfoJSON{
		RunID:          r.ID,
		RunUUID:        r.ID,
		RunName:        r.Name,
		ExperimentID:   formatID(r.ExperimentID),
		UserID:         r.UserID,
		Status:         r.Status,
		StartTime:      r.StartTime,
		EndTime:        r.EndTime,
		ArtifactURI:    r.ArtifactURI,
		LifecycleStage: r.LifecycleStage,
	}
}

func encodeRun(r *store.Run) runJSON {
	out := runJSON{Info: encodeRunInfo(r)}
	for _, m := range r.Metrics {
		out.Data.Metrics = append(out.Data.Metrics, metricJSON{Key: m.Key, Value: jsonFloat(m.Last), Timestamp: m.LastTimestamp, Step: m.LastStep})
	}
	out.Data.Params = sortedKVs(r.Params)
	out.Data.Tags = sortedKVs(r.Tags)
	for _, in := range r.Inputs {
		di := datasetInputJSON{Dataset: datasetJSON{
			Name: in.Dataset.Name, Digest: in.Dataset.Digest, SourceType: in.Dataset.SourceType,
			Source: in.Dataset.Source, Schema: in.Dataset.Schema, Profile: in.Dataset.Profile,
		}}
		for _, t := range in.Tags {
			di.Tags = append(di.Tags, kvJSON{t.Key, t.Value})
		}
		out.Inputs.DatasetInputs = append(out.Inputs.DatasetInputs, di)
	}
	return out
}

func encodeMetrics(ms []store.Metric) []metricJSON {
	if len(ms) == 0 {
		return nil
	}
	out := make([]metricJSON, len(ms))
	for i, m := range ms {
		out[i] = metricJSON{Key: m.Key, Value: jsonFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step}
	}
	return out
}

// Responses of the endpoints. Endpoints that answer nothing answer {}.

type emptyResponse struct{}

type createExperimentResponse struct {
	ExperimentID string `json:"experiment_id"`
}

type experimentResponse struct {
	Experiment experimentJSON `json:"experiment"`
}

type searchExperimentsResponse struct {
	Experiments   []experimentJSON `json:"experiments,omitempty"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

type runResponse struct {
	Run runJSON `json:"run"`
}

type updateRunResponse struct {
	RunInfo runInfoJSON `json:"run_info"`
}

type searchRunsResponse struct {
	Runs          []runJSON `json:"runs,omitempty"`
	NextPageToken string    `json:"next_page_token,omitempty"`
}

type metricHistoryResponse struct {
	Metrics       []metricJSON `json:"metrics,omitempty"`
	NextPageToken string       `json:"next_page_token,omitempty"`
}

type metricWithRunIDJSON struct {
	Key       string    `json:"key"`
	Value     jsonFloat `json:"value"`
	Timestamp int64     `json:"timestamp"`
	Step      int64     `json:"step"`
	RunID     string    `json:"run_id"`
}

type bulkIntervalResponse struct {
	Metrics []metricWithRunIDJSON `json:"metrics,omitempty"`
}

type fileInfoJSON struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize int64  `json:"file_size,omitempty"`
}

type listArtifactsResponse struct {
	RootURI       string         `json:"root_uri"`
	Files         []fileInfoJSON `json:"files,omitempty"`
	NextPageToken string         `json:"next_page_token,omitempty"`
}

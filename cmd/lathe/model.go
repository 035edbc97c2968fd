package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// The types below are the --json output. Their field names are a public,
// documented interface (docs/cli.md): add fields, never rename them.

// jsonFloat writes NaN and ±Inf as protobuf JSON's strings.
type jsonFloat = store.JSONFloat

// jsonTime is a Unix-millisecond time written as RFC 3339 UTC with
// milliseconds ("2026-11-27T10:00:00.123Z"), or null when zero (unknown).
type jsonTime int64

// MarshalJSON implements json.Marshaler.
func (t jsonTime) MarshalJSON() ([]byte, error) {
	if t == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(time.UnixMilli(int64(t)).UTC().Format(rfc3339ms))
}

type experimentJSON struct {
	ExperimentID     int64             `json:"experiment_id"`
	Name             string            `json:"name"`
	LifecycleStage   string            `json:"lifecycle_stage"`
	ArtifactLocation string            `json:"artifact_location"`
	CreationTime     jsonTime          `json:"creation_time"`
	LastUpdateTime   jsonTime          `json:"last_update_time"`
	RunCount         int               `json:"run_count"`
	Tags             map[string]string `json:"tags"`
}

func toExperimentJSON(e *store.Experiment, runs int) experimentJSON {
	tags := e.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return experimentJSON{ExperimentID: e.ID, Name: e.Name, LifecycleStage: e.LifecycleStage,
		ArtifactLocation: e.ArtifactLocation, CreationTime: jsonTime(e.CreationTime),
		LastUpdateTime: jsonTime(e.LastUpdateTime), RunCount: runs, Tags: tags}
}

type metricJSON struct {
	Last          jsonFloat `json:"last"`
	LastStep      int64     `json:"last_step"`
	LastTimestamp jsonTime  `json:"last_timestamp"`
	Min           jsonFloat `json:"min"`
	Max           jsonFloat `json:"max"`
	Count         int64     `json:"count"`
}

type inputJSON struct {
	Name       string            `json:"name"`
	Digest     string            `json:"digest"`
	SourceType string            `json:"source_type"`
	Source     string            `json:"source"`
	Schema     string            `json:"schema"`
	Profile    string            `json:"profile"`
	Tags       map[string]string `json:"tags"`
}

type runJSON struct {
	RunID          string                `json:"run_id"`
	RunName        string                `json:"run_name"`
	ExperimentID   int64                 `json:"experiment_id"`
	ExperimentName string                `json:"experiment_name"`
	Status         string                `json:"status"`
	LifecycleStage string                `json:"lifecycle_stage"`
	StartTime      jsonTime              `json:"start_time"`
	EndTime        jsonTime              `json:"end_time"`
	DurationMS     *int64                `json:"duration_ms"`
	UserID         string                `json:"user_id"`
	Host           string                `json:"host"`
	Source         string                `json:"source"`
	ArtifactURI    string                `json:"artifact_uri"`
	Notes          string                `json:"notes"`
	Params         map[string]string     `json:"params"`
	Tags           map[string]string     `json:"tags"`
	Metrics        map[string]metricJSON `json:"metrics"`
	Inputs         []inputJSON           `json:"inputs"`
}

func toRunJSON(r *store.Run, expName string) runJSON {
	out := runJSON{RunID: r.ID, RunName: r.Name, ExperimentID: r.ExperimentID, ExperimentName: expName,
		Status: r.Status, LifecycleStage: r.LifecycleStage, StartTime: jsonTime(r.StartTime),
		EndTime: jsonTime(r.EndTime), UserID: r.UserID, Host: r.Host, Source: r.Source,
		ArtifactURI: r.ArtifactURI, Notes: r.Notes, Params: r.Params, Tags: r.Tags,
		Metrics: make(map[string]metricJSON, len(r.Metrics)), Inputs: []inputJSON{}}
	if out.Params == nil {
		out.Params = map[string]string{}
	}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if r.StartTime != 0 && r.EndTime != 0 {
		d := r.EndTime - r.StartTime
		out.DurationMS = &d
	}
	for _, m := range r.Metrics {
		out.Metrics[m.Key] = metricJSON{Last: jsonFloat(m.Last), LastStep: m.LastStep,
			LastTimestamp: jsonTime(m.LastTimestamp), Min: jsonFloat(m.Min), Max: jsonFloat(m.Max), Count: m.Count}
	}
	for _, in := range r.Inputs {
		tags := make(map[string]string, len(in.Tags))
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
		d := in.Dataset
		out.Inputs = append(out.Inputs, inputJSON{Name: d.Name, Digest: d.Digest, SourceType: d.SourceType,
			Source: d.Source, Schema: d.Schema, Profile: d.Profile, Tags: tags})
	}
	return out
}

type pointJSON struct {
	Step      int64     `json:"step"`
	Timestamp jsonTime  `json:"timestamp"`
	Value     jsonFloat `json:"value"`
}

type seriesJSON struct {
	RunID       string      `json:"run_id"`
	RunName     string      `json:"run_name"`
	Key         string      `json:"key"`
	Downsampled bool        `json:"downsampled"`
	Points      []pointJSON `json:"points"`
}

// expNames caches experiment names by id for one command.
type expNames struct {
	st    *store.Store
	names map[int64]string
}

func newExpNames(st *store.Store) *expNames { return &expNames{st: st, names: map[int64]string{}} }

func (c *expNames) name(ctx context.Context, id int64) string {
	if n, ok := c.names[id]; ok {
		return n
	}
	n := ""
	if e, err := c.st.GetExperiment(ctx, id); err == nil {
		n = e.Name
	}
	c.names[id] = n
	return n
}

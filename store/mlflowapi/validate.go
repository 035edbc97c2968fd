package mlflowapi

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lathe-ml/lathe/store"
)

// MLflow's entity checks (mlflow/utils/validation.py), with its messages, so
// that clients see MLflow's wording. The store checks again; these run first
// because MLflow's rules are a little stricter than the store's (names that
// normalize to another path, negative timestamps, duplicate params in one
// batch, separate param and tag limits).

const badCharactersMessage = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/)."

// validateKey checks a metric, parameter or tag name.
func validateKey(kind, key string) error {
	for _, r := range key {
		if !isNameRune(r) {
			return invalidParam(fmt.Sprintf("Invalid %s name: '%s'. %s", kind, key, badCharactersMessage))
		}
	}
	if norm := path.Clean(key); norm != key || norm == "." || strings.HasPrefix(norm, "..") || strings.HasPrefix(norm, "/") {
		return invalidParam(fmt.Sprintf("Invalid %s name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'", kind, key, norm))
	}
	label := map[string]string{"metric": "Metric name", "parameter": "Param key", "tag": "Tag key"}[kind]
	return validateLength(label, key, store.MaxEntityKeyLength)
}

// isNameRune is Python's \w (str.isalnum() or "_") plus "/", ".", "-" and " ".
func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune("_/.- ", r)
}

// validateLength checks a key or value against a limit in characters.
func validateLength(label, value string, limit int) error {
	if n := utf8.RuneCountInString(value); n > limit {
		return invalidParam(fmt.Sprintf("%s '%s' had length %d, which exceeded length limit of %d", label, truncate(value, 250), n, limit))
	}
	return nil
}

// validateMetric checks one point as MLflow's _validate_metric does.
func validateMetric(m metricIn) error {
	if err := validateKey("metric", m.Key); err != nil {
		return err
	}
	if m.Timestamp < 0 {
		return invalidParam(fmt.Sprintf("Got invalid timestamp %d for metric '%s' (value=%v). Timestamp must be a nonnegative long (64-bit integer) ", m.Timestamp, m.Key, m.Value))
	}
	return nil
}

func validateBatchLimit(entity string, limit, n int) error {
	if n > limit {
		return invalidParam(fmt.Sprintf("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.", limit, entity, n, entity, entity))
	}
	return nil
}

// validateBatch applies MLflow's log-batch checks in MLflow's order of
// concern, limits first so that a huge batch is refused before it is read.
func validateBatch(r logBatchReq) error {
	if err := validateBatchLimit("metrics", store.MaxMetricsPerBatch, len(r.Metrics)); err != nil {
		return err
	}
	if err := validateBatchLimit("params", store.MaxParamsTagsPerBatch, len(r.Params)); err != nil {
		return err
	}
	if err := validateBatchLimit("tags", store.MaxParamsTagsPerBatch, len(r.Tags)); err != nil {
		return err
	}
	if err := validateBatchLimit("metrics, params, and tags", store.MaxEntitiesPerBatch, len(r.Metrics)+len(r.Params)+len(r.Tags)); err != nil {
		return err
	}
	for _, m := range r.Metrics {
		if err := validateMetric(m); err != nil {
			return err
		}
	}
	for _, p := range r.Params {
		if err := validateKey("parameter", p.Key); err != nil {
			return err
		}
		if err := validateLength("Param value", p.Value, store.MaxParamValueLength); err != nil {
			return err
		}
	}
	for _, t := range r.Tags {
		if err := validateKey("tag", t.Key); err != nil {
			return err
		}
		if err := validateLength("Tag value", t.Value, store.MaxTagValueLength); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(r.Params))
	var dupes []string
	for _, p := range r.Params {
		if seen[p.Key] {
			dupes = append(dupes, fmt.Sprintf("'%s'", p.Key))
		}
		seen[p.Key] = true
	}
	if len(dupes) > 0 {
		return invalidParam(fmt.Sprintf("Duplicate parameter keys have been submitted: [%s]. Please ensure the request contains only one param value per param key.", strings.Join(dupes, ", ")))
	}
	return nil
}

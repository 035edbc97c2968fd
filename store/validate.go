package store

import (
	"fmt"
	"math"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MLflow's limits (mlflow/utils/validation.py, MLflow 2.x).
const (
	MaxEntityKeyLength    = 250
	MaxParamValueLength   = 6000
	MaxTagValueLength     = 8000
	MaxExperimentTagValue = 5000
	MaxRunNameLength      = 250
	MaxExperimentName     = 500
	MaxMetricsPerBatch    = 1000
	MaxParamsTagsPerBatch = 100 // params and tags, each
	MaxEntitiesPerBatch   = 1000
)

const badCharacters = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/)."

// ValidateKey checks a metric, param or tag key (kind "metric", "param" or
// "tag") by MLflow's rules and with MLflow's wording: Python's Unicode \w
// plus "/", ".", "-" and " "; no name that resolves to another path when
// treated as a file ("a//b", "./a", "../a", "/a"); at most 250 characters.
// Returns an error wrapping ErrInvalid.
func ValidateKey(kind, key string) error {
	for _, r := range key {
		if !isNameRune(r) {
			return invalid("Invalid %s name: '%s'. %s", mlflowKind(kind), key, badCharacters)
		}
	}
	if norm := path.Clean(key); norm != key || norm == "." || strings.HasPrefix(norm, "..") || strings.HasPrefix(norm, "/") {
		return invalid("Invalid %s name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'", mlflowKind(kind), key, norm)
	}
	label := map[string]string{"metric": "Metric name", "param": "Param key"}[kind]
	if label == "" {
		label = "Tag key"
	}
	return ValidateLength(label, key, MaxEntityKeyLength)
}

func mlflowKind(kind string) string {
	if kind == "param" {
		return "parameter"
	}
	return kind
}

// isNameRune is Python's \w (letters, digits, "_") plus "/", ".", "-", " ".
func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune("_/.- ", r)
}

// ValidateLength checks a key or value against a limit in characters, with
// MLflow's message ("Param value 'x' had length N, which exceeded ...").
func ValidateLength(label, value string, limit int) error {
	if n := utf8.RuneCountInString(value); n > limit {
		return invalid("%s '%s' had length %d, which exceeded length limit of %d", label, truncate(value, 250), n, limit)
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

// CheckBatchLimits is MLflow's _validate_batch_log_limits: at most 1000
// metrics, 100 params, 100 tags and 1000 items in all. It needs only counts,
// so a server can refuse a huge batch before decoding its elements.
func CheckBatchLimits(metrics, params, tags int) error {
	for _, c := range []struct {
		what     string
		limit, n int
	}{
		{"metrics", MaxMetricsPerBatch, metrics},
		{"params", MaxParamsTagsPerBatch, params},
		{"tags", MaxParamsTagsPerBatch, tags},
		{"metrics, params, and tags", MaxEntitiesPerBatch, metrics + params + tags},
	} {
		if c.n > c.limit {
			return invalid("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.",
				c.limit, c.what, c.n, c.what, c.what)
		}
	}
	return nil
}

// ValidateMetric checks one point as MLflow's _validate_metric does.
func ValidateMetric(m Metric) error {
	if err := ValidateKey("metric", m.Key); err != nil {
		return err
	}
	if m.Timestamp < 0 {
		return invalid("Got invalid timestamp %d for metric '%s' (value=%v). Timestamp must be a nonnegative long (64-bit integer) ", m.Timestamp, m.Key, m.Value)
	}
	return nil
}

// ValidateParam checks one param's key and value length.
func ValidateParam(p Param) error {
	if err := ValidateKey("param", p.Key); err != nil {
		return err
	}
	return ValidateLength("Param value", p.Value, MaxParamValueLength)
}

// ValidateTag checks one run tag's key and value length.
func ValidateTag(t Tag) error {
	if err := ValidateKey("tag", t.Key); err != nil {
		return err
	}
	return ValidateLength("Tag value", t.Value, MaxTagValueLength)
}

func validateExperimentTag(t Tag) error {
	if err := ValidateKey("tag", t.Key); err != nil {
		return err
	}
	return ValidateLength("Tag value", t.Value, MaxExperimentTagValue)
}

// storeFloat maps a metric value to what SQLite can keep: NaN becomes
// (0, isNaN) since SQLite stores NaN as NULL; ±Inf is clamped to ±MaxFloat64
// as MLflow's SQL store does.
func storeFloat(v float64) (float64, int) {
	switch {
	case math.IsNaN(v):
		return 0, 1
	case math.IsInf(v, 1):
		return math.MaxFloat64, 0
	case math.IsInf(v, -1):
		return -math.MaxFloat64, 0
	}
	return v, 0
}

func loadFloat(v float64, isNaN int) float64 {
	if isNaN != 0 {
		return math.NaN()
	}
	return v
}

// Validate checks a batch by MLflow's rules before any write, so that a bad
// request never reaches the transaction: limits first, then every metric,
// param and tag, then duplicate param keys (refused even with equal values,
// as MLflow does).
func (b *Batch) Validate() error {
	if err := CheckBatchLimits(len(b.Metrics), len(b.Params), len(b.Tags)); err != nil {
		return err
	}
	for _, m := range b.Metrics {
		if err := ValidateMetric(m); err != nil {
			return err
		}
	}
	for _, p := range b.Params {
		if err := ValidateParam(p); err != nil {
			return err
		}
	}
	for _, t := range b.Tags {
		if err := ValidateTag(t); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(b.Params))
	var dupes []string
	for _, p := range b.Params {
		if seen[p.Key] {
			dupes = append(dupes, fmt.Sprintf("'%s'", p.Key))
		}
		seen[p.Key] = true
	}
	if len(dupes) > 0 {
		return invalid("Duplicate parameter keys have been submitted: [%s]. Please ensure the request contains only one param value per param key.", strings.Join(dupes, ", "))
	}
	return nil
}

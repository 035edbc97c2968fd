package store

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MLflow's limits (mlflow/utils/validation.py, MLflow 2.x).
const (
	MaxEntityKeyLength    = 250
	MaxParamValueLength   = 6000
	MaxTagValueLength     = 8000
	MaxExperimentTagValue = 5000
	MaxRunNameLength      = 250
	MaxMetricsPerBatch    = 1000
	MaxParamsTagsPerBatch = 100
	MaxEntitiesPerBatch   = 1000
)

var validKey = regexp.MustCompile(`^[/\p{L}\p{N}\p{M}_.\- ]*$`) // Python's Unicode \w, as MLflow

// ValidateKey checks a metric, param or tag key as MLflow does: letters,
// digits, underscore, dash, period, space and slash; no "..", no leading "/",
// at most 250 characters.
func ValidateKey(kind, key string) error {
	if key == "" {
		return invalid("%s key is empty", kind)
	}
	if !validKey.MatchString(key) {
		return invalid("invalid %s key %q: keys may contain only alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ) and slashes (/)", kind, key)
	}
	if strings.HasPrefix(key, "/") || containsDotDot(key) {
		return invalid("invalid %s key %q: keys may not be absolute paths or contain \"..\"", kind, key)
	}
	if n := utf8.RuneCountInString(key); n > MaxEntityKeyLength {
		return invalid("%s key %q… is %d characters, over the limit of %d", kind, key[:32], n, MaxEntityKeyLength)
	}
	return nil
}

func containsDotDot(key string) bool {
	for _, part := range strings.Split(key, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

func validateValue(kind, key, value string, limit int) error {
	if n := utf8.RuneCountInString(value); n > limit {
		return invalid("%s %q: value is %d characters, over the limit of %d", kind, key, n, limit)
	}
	return nil
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

package store

import (
	"encoding/json"
	"math"
	"strconv"
)

// JSONFloat is a metric value as lathe and MLflow write it in JSON: a number
// when finite, else one of protobuf JSON's strings "NaN", "Infinity" and
// "-Infinity" (JSON numbers cannot express them).
type JSONFloat float64

// MarshalJSON implements json.Marshaler.
func (f JSONFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// jsonObj builds a small JSON object from alternating keys and values for
// event payloads.
func jsonObj(kv ...any) string {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

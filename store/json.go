package store

import "encoding/json"

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

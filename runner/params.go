package runner

import (
	"sort"
	"strings"
)

// Params reach a job in two ways, the same for every backend (docs/jobs.md):
// as the environment variable ParamEnvName(KEY), and substituted for {KEY}
// in the command's arguments.

// ExpandCommand replaces {KEY} by params[KEY] in each argument, in one pass
// (a substituted value is never expanded again); other braces are left
// alone. It reports whether anything was replaced.
func ExpandCommand(argv []string, params map[string]string) ([]string, bool) {
	if len(params) == 0 {
		return argv, false
	}
	keys := sortedKeys(params)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, "{"+k+"}", params[k])
	}
	r := strings.NewReplacer(pairs...)
	out := make([]string, len(argv))
	changed := false
	for i, a := range argv {
		out[i] = r.Replace(a)
		changed = changed || out[i] != a
	}
	return out, changed
}

// ParamEnvName is the variable that carries param key to a job:
// LATHE_PARAM_ and the key in upper case, with every character other than
// a letter or digit turned into "_" (lr → LATHE_PARAM_LR, val.lr-max →
// LATHE_PARAM_VAL_LR_MAX).
func ParamEnvName(key string) string {
	var b strings.Builder
	b.WriteString("LATHE_PARAM_")
	for _, r := range strings.ToUpper(key) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// MergeEnv returns base ("KEY=value" pairs) without the variables in set,
// followed by those of set, sorted by name.
func MergeEnv(base []string, set map[string]string) []string {
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[k]; !ours {
			out = append(out, kv)
		}
	}
	for _, k := range sortedKeys(set) {
		out = append(out, k+"="+set[k])
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

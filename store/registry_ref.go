package store

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateModelName checks a registered model name. Beyond MLflow's
// "non-empty", lathe refuses ':', '@' and '/' (they would make NAME:N,
// NAME@ALIAS and models:/ URIs ambiguous), control characters, surrounding
// spaces and names over 256 characters.
func ValidateModelName(name string) error {
	return validateRefName("registered model name", name, ":@/", "':', '@' or '/', which lathe keeps for NAME:VERSION, NAME@ALIAS and models:/ references", MaxModelNameLength)
}

// validateRefName checks a name that NAME:N and NAME@ALIAS references
// carry: not empty, no surrounding space, none of the reserved characters
// (described by why), at most max characters, no control characters or
// invalid UTF-8. what names it in errors.
func validateRefName(what, name, reserved, why string, max int) error {
	switch {
	case name == "":
		return invalid("a %s must not be empty", what)
	case strings.TrimSpace(name) != name:
		return invalid("%s %q starts or ends with white space", what, name)
	case strings.ContainsAny(name, reserved):
		return invalid("%s %q contains %s", what, name, why)
	case utf8.RuneCountInString(name) > max:
		return invalid("%s is over %d characters", what, max)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return invalid("%s %q contains a control character or invalid UTF-8", what, name)
		}
	}
	return nil
}

// ValidateAlias checks an alias by MLflow's rules: letters, digits, '_' and
// '-'; at most 255 characters; not "latest" (any case) and not a version
// name such as "v3", both of which MLflow reserves.
func ValidateAlias(alias string) error {
	if alias == "" {
		return invalid("an alias must not be empty")
	}
	for _, r := range alias {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-') {
			return invalid("invalid alias %q: aliases may only contain letters, digits, underscores (_) and dashes (-)", alias)
		}
	}
	if utf8.RuneCountInString(alias) > MaxAliasLength {
		return invalid("alias is over %d characters", MaxAliasLength)
	}
	if strings.EqualFold(alias, "latest") {
		return invalid("the alias 'latest' (in any case) is reserved: NAME alone names the latest version")
	}
	if len(alias) > 1 && (alias[0] == 'v' || alias[0] == 'V') && allDigits(alias[1:]) {
		return invalid("alias %q is reserved: it looks like a version", alias)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validateRegistryTag(t Tag) error {
	if err := ValidateKey("tag", t.Key); err != nil {
		return err
	}
	return ValidateLength("Tag value", t.Value, MaxRegistryTagValue)
}

// ModelRef names a model version: NAME is the latest version, NAME:N
// version N, NAME@ALIAS the version ALIAS points at. MLflow's URI forms
// models:/NAME/N, models:/NAME/latest and models:/NAME@ALIAS parse too.
type ModelRef struct {
	Name    string
	Version int64  // set for NAME:N
	Alias   string // set for NAME@ALIAS
}

// String writes the reference in lathe's grammar.
func (r ModelRef) String() string {
	switch {
	case r.Alias != "":
		return r.Name + "@" + r.Alias
	case r.Version > 0:
		return r.Name + ":" + strconv.FormatInt(r.Version, 10)
	}
	return r.Name
}

// ParseModelRef parses NAME, NAME:N or NAME@ALIAS (or a models:/ URI).
// Returns ErrInvalid, naming what is wrong, for anything else.
func ParseModelRef(s string) (ModelRef, error) {
	if rest, ok := strings.CutPrefix(s, "models:/"); ok {
		name, ver, hasVer := strings.Cut(rest, "/")
		switch {
		case hasVer && ver == "latest":
			s = name
		case hasVer:
			s = name + ":" + ver
		default:
			s = rest
		}
	}
	name, version, alias, err := parseRef(s, "model", ValidateModelName)
	if err != nil {
		return ModelRef{}, err
	}
	return ModelRef{Name: name, Version: version, Alias: alias}, nil
}

// parseRef reads NAME, NAME:N or NAME@ALIAS, the grammar models and
// datasets share; what names the kind in errors ("model", "dataset").
func parseRef(s, what string, validName func(string) error) (name string, version int64, alias string, err error) {
	name, alias, hasAlias := strings.Cut(s, "@")
	if hasAlias {
		if err := ValidateAlias(alias); err != nil {
			return "", 0, "", invalid("%s reference %q: %s", what, s, err.Error())
		}
	} else if n, v, hasVer := strings.Cut(s, ":"); hasVer {
		ver, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ver < 1 || !allDigits(v) {
			return "", 0, "", invalid("%s reference %q: the version after ':' must be a whole number from 1 (NAME:VERSION)", what, s)
		}
		name, version = n, ver
	}
	if err := validName(name); err != nil {
		return "", 0, "", invalid("%s reference %q: %s (want NAME, NAME:VERSION or NAME@ALIAS)", what, s, err.Error())
	}
	return name, version, alias, nil
}

// ResolveModelRef returns the version a reference names. Returns
// ErrInvalid for a malformed reference and ErrNotFound when the model,
// version or alias does not exist (or the model has no versions yet).
func (s *Store) ResolveModelRef(ctx context.Context, ref string) (*ModelVersion, error) {
	r, err := ParseModelRef(ref)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Alias != "":
		return s.GetModelVersionByAlias(ctx, r.Name, r.Alias)
	case r.Version > 0:
		return s.GetModelVersion(ctx, r.Name, r.Version)
	}
	m, err := s.GetRegisteredModel(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	if m.Latest == nil {
		return nil, notFound("registered model %q has no versions yet", r.Name)
	}
	return m.Latest, nil
}

package store

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDataNameLength bounds a dataset name.
const MaxDataNameLength = 256

// ValidateDataName checks a dataset name: non-empty, no ':', '@' or '/'
// (kept for NAME:N and NAME@ALIAS), no control characters or surrounding
// space, at most MaxDataNameLength characters.
func ValidateDataName(name string) error {
	switch {
	case name == "":
		return invalid("a dataset name must not be empty")
	case strings.TrimSpace(name) != name:
		return invalid("dataset name %q starts or ends with white space", name)
	case strings.ContainsAny(name, ":@/\\"):
		return invalid("dataset name %q contains ':', '@', '/' or '\\', which lathe keeps for NAME:VERSION and NAME@ALIAS references (use --name)", name)
	case utf8.RuneCountInString(name) > MaxDataNameLength:
		return invalid("dataset name is over %d characters", MaxDataNameLength)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return invalid("dataset name %q contains a control character or invalid UTF-8", name)
		}
	}
	return nil
}

// DataRef names a dataset version: NAME is the latest version, NAME:N
// version N, NAME@ALIAS the version the alias points at.
type DataRef struct {
	Name    string
	Version int64  // set for NAME:N
	Alias   string // set for NAME@ALIAS
}

// String writes the reference in lathe's grammar.
func (r DataRef) String() string {
	switch {
	case r.Alias != "":
		return r.Name + "@" + r.Alias
	case r.Version > 0:
		return r.Name + ":" + strconv.FormatInt(r.Version, 10)
	}
	return r.Name
}

// ParseDataRef parses NAME, NAME:N or NAME@ALIAS. Returns ErrInvalid,
// naming what is wrong, for anything else.
func ParseDataRef(s string) (DataRef, error) {
	var r DataRef
	name, alias, hasAlias := strings.Cut(s, "@")
	if hasAlias {
		if err := ValidateAlias(alias); err != nil {
			return r, invalid("dataset reference %q: %s", s, err.Error())
		}
		r.Alias = alias
	} else if n, v, hasVer := strings.Cut(s, ":"); hasVer {
		ver, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ver < 1 || !allDigits(v) {
			return DataRef{}, invalid("dataset reference %q: the version after ':' must be a whole number from 1 (NAME:VERSION)", s)
		}
		name, r.Version = n, ver
	}
	if err := ValidateDataName(name); err != nil {
		return DataRef{}, invalid("dataset reference %q: %s (want NAME, NAME:VERSION or NAME@ALIAS)", s, err.Error())
	}
	r.Name = name
	return r, nil
}

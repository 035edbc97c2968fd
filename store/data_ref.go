package store

import (
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
// version N, NAME@ALIAS the version the alias points at; the grammar of
// ModelRef, without the models:/ forms.
type DataRef ModelRef

// String writes the reference in lathe's grammar.
func (r DataRef) String() string { return ModelRef(r).String() }

// ParseDataRef parses NAME, NAME:N or NAME@ALIAS. Returns ErrInvalid,
// naming what is wrong, for anything else.
func ParseDataRef(s string) (DataRef, error) {
	name, version, alias, err := parseRef(s, "dataset", ValidateDataName)
	if err != nil {
		return DataRef{}, err
	}
	return DataRef{Name: name, Version: version, Alias: alias}, nil
}

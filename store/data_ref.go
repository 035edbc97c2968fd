package store

// MaxDataNameLength bounds a dataset name.
const MaxDataNameLength = 256

// ValidateDataName checks a dataset name: non-empty, no ':', '@' or '/'
// (kept for NAME:N and NAME@ALIAS), no control characters or surrounding
// space, at most MaxDataNameLength characters.
func ValidateDataName(name string) error {
	return validateRefName("dataset name", name, ":@/\\", "':', '@', '/' or '\\', which lathe keeps for NAME:VERSION and NAME@ALIAS references (use --name)", MaxDataNameLength)
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

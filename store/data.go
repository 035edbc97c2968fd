package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Validation statuses of a dataset version.
const (
	ValidationNone   = ""
	ValidationPassed = "passed"
	ValidationFailed = "failed"
)

// DataFile is one file of a dataset version, stored as a blob.
type DataFile struct {
	// Path is relative to the version's root, '/'-separated: the file's
	// base name for a version made of one file.
	Path string `json:"path"`
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// DataVersion is one version of a dataset.
type DataVersion struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
	// Digest identifies the content: the SHA-256 (hex) of the manifest of
	// file paths and hashes (see ManifestDigest).
	Digest  string   `json:"digest"`
	Format  string   `json:"format"`
	Message string   `json:"message,omitempty"`
	Source  string   `json:"source,omitempty"`
	Rows    int64    `json:"rows"` // -1: unknown
	Size    int64    `json:"size"`
	Created int64    `json:"created"` // ms since the epoch
	Aliases []string `json:"aliases,omitempty"`
	// Schema, Profile and Validation are JSON documents written by
	// monitor/ and kept as they are.
	Schema           string     `json:"-"`
	Profile          string     `json:"-"`
	Validation       string     `json:"-"`
	ValidationStatus string     `json:"validation_status,omitempty"`
	Files            []DataFile `json:"files,omitempty"`
}

// Ref is the version's NAME:N reference.
func (v *DataVersion) Ref() string { return DataRef{Name: v.Name, Version: v.Version}.String() }

// ShortDigest is the first 12 hex digits of the digest, as lathe prints it.
func (v *DataVersion) ShortDigest() string { return shortHex(v.Digest, 12) }

// MLflowDigest is the digest lathe records for the version in MLflow's
// dataset inputs, whose digest field holds at most 36 characters.
func (v *DataVersion) MLflowDigest() string { return shortHex(v.Digest, 32) }

func shortHex(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// DataSet summarises a dataset for listings.
type DataSet struct {
	Name     string           `json:"name"`
	Versions int64            `json:"versions"`
	Latest   *DataVersion     `json:"latest,omitempty"`
	Aliases  map[string]int64 `json:"aliases,omitempty"`
	Created  int64            `json:"created"`
	Updated  int64            `json:"updated"`
}

// DataVersionCreate is what AddDataVersion records. Files must already be
// stored as blobs (PutBlobFile).
type DataVersionCreate struct {
	Name    string
	Message string
	Source  string
	Format  string
	Alias   string // optional: set this alias on the new (or unchanged) version
	Rows    int64
	Files   []DataFile
	Schema  string
	Profile string
	// Validation and ValidationStatus record rules run before the version
	// was added (lathe.toml); empty when none ran.
	Validation       string
	ValidationStatus string
}

// ManifestDigest is the identity of a set of files: SHA-256 over the
// sorted lines "path\x00hash\n". It does not depend on the order files
// were listed in, nor on where they were added from.
func ManifestDigest(files []DataFile) string {
	fs := slices.Clone(files)
	slices.SortFunc(fs, func(a, b DataFile) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, f := range fs {
		h.Write([]byte(f.Path))
		h.Write([]byte{0})
		h.Write([]byte(f.Hash))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func checkDataFiles(files []DataFile) error {
	if len(files) == 0 {
		return invalid("a dataset version needs at least one file")
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		clean := path.Clean(f.Path)
		if f.Path == "" || clean != f.Path || path.IsAbs(f.Path) || clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
			return invalid("dataset file path %q must be relative and clean", f.Path)
		}
		if seen[f.Path] {
			return invalid("dataset file %q is listed twice", f.Path)
		}
		seen[f.Path] = true
		if _, err := blobHex(f.Hash); err != nil {
			return err
		}
	}
	return nil
}

func blobHex(hash string) (string, error) {
	hexs, ok := strings.CutPrefix(hash, "sha256:")
	if !ok || len(hexs) != 64 || !isHex(hexs) {
		return "", invalid("malformed blob hash %q", hash)
	}
	return hexs, nil
}

func dataEntity(name string, v int64) string {
	return "data_version:" + name + ":" + strconv.FormatInt(v, 10)
}

// dataLineageID is the id of a version in lineage rows: "<dataset id>:<version>".
func dataLineageID(id, v int64) string { return fmt.Sprintf("%d:%d", id, v) }

// AddDataVersion records a new version of dataset dc.Name (creating the
// dataset on first use), references its blobs and sets dc.Alias, all in
// one transaction. When the latest version already has the same digest, no
// version is made: it returns that version with created false (and still
// sets the alias). Returns ErrInvalid for a bad name, alias or file list.
func (s *Store) AddDataVersion(ctx context.Context, dc DataVersionCreate) (*DataVersion, bool, error) {
	if err := ValidateDataName(dc.Name); err != nil {
		return nil, false, err
	}
	if dc.Alias != "" {
		if err := ValidateAlias(dc.Alias); err != nil {
			return nil, false, err
		}
	}
	if err := checkDataFiles(dc.Files); err != nil {
		return nil, false, err
	}
	switch dc.ValidationStatus {
	case ValidationNone, ValidationPassed, ValidationFailed:
	default:
		return nil, false, invalid("unknown validation status %q", dc.ValidationStatus)
	}
	digest := ManifestDigest(dc.Files)
	var size int64
	for _, f := range dc.Files {
		size += f.Size
	}
	var version int64
	created := false
	err := s.write(ctx, func(tx *Tx) error {
		created = false
		if _, err := tx.exec(`INSERT INTO data_sets (name, created, updated) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			dc.Name, tx.now, tx.now); err != nil {
			return fmt.Errorf("record dataset %s: %w", dc.Name, err)
		}
		var id int64
		if err := tx.queryRow(`SELECT id FROM data_sets WHERE name = ?`, dc.Name).Scan(&id); err != nil {
			return fmt.Errorf("record dataset %s: %w", dc.Name, err)
		}
		var latestDigest string
		err := tx.queryRow(`SELECT version, digest FROM data_versions WHERE dataset_id = ? ORDER BY version DESC LIMIT 1`, id).Scan(&version, &latestDigest)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("read dataset %s: %w", dc.Name, err)
		}
		if err != nil || latestDigest != digest {
			if err := tx.queryRow(`UPDATE data_sets SET next_version = next_version + 1, updated = ? WHERE id = ? RETURNING next_version - 1`,
				tx.now, id).Scan(&version); err != nil {
				return fmt.Errorf("number dataset %s's version: %w", dc.Name, err)
			}
			if _, err := tx.exec(`INSERT INTO data_versions (dataset_id, version, digest, format, message, source, rows, size,
				schema, profile, validation, validation_status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, version, digest, dc.Format, dc.Message, dc.Source, dc.Rows, size,
				dc.Schema, dc.Profile, dc.Validation, dc.ValidationStatus, tx.now); err != nil {
				return fmt.Errorf("record %s:%d: %w", dc.Name, version, err)
			}
			for _, f := range dc.Files {
				if err := tx.refBlob(Blob{Hash: f.Hash, Size: f.Size}); err != nil {
					return err
				}
				if _, err := tx.exec(`INSERT INTO data_files (dataset_id, version, path, hash, size) VALUES (?, ?, ?, ?, ?)`,
					id, version, f.Path, f.Hash, f.Size); err != nil {
					return fmt.Errorf("record %s:%d file %s: %w", dc.Name, version, f.Path, err)
				}
			}
			created = true
			if err := tx.event("data.version_added", dataEntity(dc.Name, version),
				jsonObj("digest", digest, "files", strconv.Itoa(len(dc.Files)), "validation", dc.ValidationStatus)); err != nil {
				return err
			}
		}
		if dc.Alias != "" {
			return tx.setDataAlias(id, dc.Name, dc.Alias, version)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	v, err := s.DataVersion(ctx, DataRef{Name: dc.Name, Version: version}.String())
	return v, created, err
}

func (t *Tx) setDataAlias(id int64, name, alias string, version int64) error {
	if _, err := t.exec(`INSERT INTO data_aliases (dataset_id, alias, version) VALUES (?, ?, ?)
		ON CONFLICT (dataset_id, alias) DO UPDATE SET version = excluded.version`, id, alias, version); err != nil {
		return fmt.Errorf("set alias %s@%s: %w", name, alias, err)
	}
	return t.event("data.alias_set", dataEntity(name, version), jsonObj("alias", alias))
}

// dataVersionID resolves a reference inside a transaction.
func (t *Tx) dataVersionID(ref string) (id, version int64, err error) {
	r, err := ParseDataRef(ref)
	if err != nil {
		return 0, 0, err
	}
	if err := t.queryRow(`SELECT id FROM data_sets WHERE name = ?`, r.Name).Scan(&id); isNoRows(err) {
		return 0, 0, notFound("no dataset named %q", r.Name)
	} else if err != nil {
		return 0, 0, err
	}
	switch {
	case r.Alias != "":
		err = t.queryRow(`SELECT version FROM data_aliases WHERE dataset_id = ? AND alias = ?`, id, r.Alias).Scan(&version)
		if isNoRows(err) {
			return 0, 0, notFound("dataset %q has no alias %q", r.Name, r.Alias)
		}
	case r.Version > 0:
		err = t.queryRow(`SELECT version FROM data_versions WHERE dataset_id = ? AND version = ?`, id, r.Version).Scan(&version)
		if isNoRows(err) {
			return 0, 0, notFound("dataset %q has no version %d", r.Name, r.Version)
		}
	default:
		var v sql.NullInt64
		err = t.queryRow(`SELECT max(version) FROM data_versions WHERE dataset_id = ?`, id).Scan(&v)
		if err == nil && !v.Valid {
			return 0, 0, notFound("dataset %q has no versions", r.Name)
		}
		version = v.Int64
	}
	return id, version, err
}

// SetDataAlias points NAME@ALIAS at the version ref names. Returns
// ErrNotFound for an unknown dataset or version, ErrInvalid for a bad alias.
func (s *Store) SetDataAlias(ctx context.Context, ref, alias string) (*DataVersion, error) {
	if err := ValidateAlias(alias); err != nil {
		return nil, err
	}
	var name string
	var version int64
	err := s.write(ctx, func(tx *Tx) error {
		id, v, err := tx.dataVersionID(ref)
		if err != nil {
			return err
		}
		version = v
		name, _ = ParseDataRefName(ref)
		return tx.setDataAlias(id, name, alias, v)
	})
	if err != nil {
		return nil, err
	}
	return s.DataVersion(ctx, DataRef{Name: name, Version: version}.String())
}

// ParseDataRefName returns the dataset name of a reference.
func ParseDataRefName(ref string) (string, error) {
	r, err := ParseDataRef(ref)
	return r.Name, err
}

// DeleteDataAlias removes NAME@ALIAS. Returns ErrNotFound when it does not exist.
func (s *Store) DeleteDataAlias(ctx context.Context, name, alias string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM data_aliases WHERE alias = ? AND dataset_id = (SELECT id FROM data_sets WHERE name = ?)`, alias, name)
		if err != nil {
			return fmt.Errorf("delete alias %s@%s: %w", name, alias, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("dataset %q has no alias %q", name, alias)
		}
		return tx.event("data.alias_deleted", "data_set:"+name, jsonObj("alias", alias))
	})
}

// DeleteDataVersion removes one version (NAME:N, NAME@ALIAS or NAME for the
// latest), its files' references and aliases pointing at it; the bytes go
// at the next gc. Unless force is set it refuses (ErrInvalidState) a version
// that runs consumed, naming how many. A dataset left with no version is
// removed too.
func (s *Store) DeleteDataVersion(ctx context.Context, ref string, force bool) (*DataVersion, error) {
	v, err := s.DataVersion(ctx, ref)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		id, version, err := tx.dataVersionID(v.Ref())
		if err != nil {
			return err
		}
		var used int
		if err := tx.queryRow(`SELECT count(*) FROM lineage WHERE from_kind = 'data_version' AND from_id = ?`,
			dataLineageID(id, version)).Scan(&used); err != nil {
			return err
		}
		if used > 0 && !force {
			return badState("%s was used by %d run(s); deleting it breaks their lineage (use --force to delete anyway)", v.Ref(), used)
		}
		rows, err := tx.tx.QueryContext(tx.ctx, `SELECT hash FROM data_files WHERE dataset_id = ? AND version = ?`, id, version)
		if err != nil {
			return err
		}
		hashes, err := scanStrings(rows)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if err := tx.unrefBlob(h); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`DELETE FROM data_files WHERE dataset_id = ? AND version = ?`,
			`DELETE FROM data_aliases WHERE dataset_id = ? AND version = ?`,
			`DELETE FROM data_versions WHERE dataset_id = ? AND version = ?`,
		} {
			if _, err := tx.exec(q, id, version); err != nil {
				return fmt.Errorf("delete %s: %w", v.Ref(), err)
			}
		}
		if _, err := tx.exec(`DELETE FROM data_sets WHERE id = ? AND NOT EXISTS (SELECT 1 FROM data_versions WHERE dataset_id = ?)`, id, id); err != nil {
			return fmt.Errorf("delete %s: %w", v.Ref(), err)
		}
		return tx.event("data.version_deleted", dataEntity(v.Name, version), jsonObj("digest", v.Digest))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// SetDataValidation stores a validation report with a version. status is
// ValidationPassed or ValidationFailed.
func (s *Store) SetDataValidation(ctx context.Context, ref, status, report string) error {
	if status != ValidationPassed && status != ValidationFailed {
		return invalid("unknown validation status %q", status)
	}
	return s.write(ctx, func(tx *Tx) error {
		id, version, err := tx.dataVersionID(ref)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE data_versions SET validation = ?, validation_status = ? WHERE dataset_id = ? AND version = ?`,
			report, status, id, version); err != nil {
			return fmt.Errorf("store validation of %s: %w", ref, err)
		}
		name, _ := ParseDataRefName(ref)
		return tx.event("data.validated", dataEntity(name, version), jsonObj("status", status))
	})
}

const dataVersionCols = `d.name, v.version, v.digest, v.format, v.message, v.source, v.rows, v.size, v.created,
	v.schema, v.profile, v.validation, v.validation_status, d.id`

// DataVersion returns the version a reference names, with its files and
// aliases. Returns ErrInvalid for a malformed reference and ErrNotFound
// for an unknown dataset, version or alias.
func (s *Store) DataVersion(ctx context.Context, ref string) (*DataVersion, error) {
	r, err := ParseDataRef(ref)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + dataVersionCols + ` FROM data_versions v JOIN data_sets d ON d.id = v.dataset_id WHERE d.name = ?`
	args := []any{r.Name}
	what := fmt.Sprintf("dataset %q has no versions", r.Name)
	switch {
	case r.Alias != "":
		q += ` AND v.version = (SELECT a.version FROM data_aliases a WHERE a.dataset_id = d.id AND a.alias = ?)`
		args = append(args, r.Alias)
		what = fmt.Sprintf("dataset %q has no alias %q", r.Name, r.Alias)
	case r.Version > 0:
		q += ` AND v.version = ?`
		args = append(args, r.Version)
		what = fmt.Sprintf("dataset %q has no version %d", r.Name, r.Version)
	default:
		q += ` ORDER BY v.version DESC LIMIT 1`
	}
	vs, err := s.queryDataVersions(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		var n int
		if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM data_sets WHERE name = ?`, r.Name).Scan(&n); err == nil && n == 0 {
			return nil, notFound("no dataset named %q (see lathe data ls)", r.Name)
		}
		return nil, notFound("%s", what)
	}
	v := vs[0]
	err = s.eachRow(ctx, `SELECT f.path, f.hash, f.size FROM data_files f JOIN data_sets d ON d.id = f.dataset_id
		WHERE d.name = ? AND f.version = ? ORDER BY f.path`, []any{v.Name, v.Version}, func(rows *sql.Rows) error {
		var f DataFile
		if err := rows.Scan(&f.Path, &f.Hash, &f.Size); err != nil {
			return err
		}
		v.Files = append(v.Files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read files of %s: %w", v.Ref(), err)
	}
	return v, nil
}

// DataVersions lists a dataset's versions, newest first, without files.
// Returns ErrNotFound for an unknown dataset.
func (s *Store) DataVersions(ctx context.Context, name string) ([]*DataVersion, error) {
	vs, err := s.queryDataVersions(ctx, `SELECT `+dataVersionCols+` FROM data_versions v JOIN data_sets d ON d.id = v.dataset_id
		WHERE d.name = ? ORDER BY v.version DESC`, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, notFound("no dataset named %q (see lathe data ls)", name)
	}
	return vs, nil
}

func (s *Store) queryDataVersions(ctx context.Context, q string, args ...any) ([]*DataVersion, error) {
	var out []*DataVersion
	ids := map[int64]bool{}
	err := s.eachRow(ctx, q, args, func(rows *sql.Rows) error {
		v := &DataVersion{}
		var id int64
		if err := rows.Scan(&v.Name, &v.Version, &v.Digest, &v.Format, &v.Message, &v.Source, &v.Rows, &v.Size, &v.Created,
			&v.Schema, &v.Profile, &v.Validation, &v.ValidationStatus, &id); err != nil {
			return err
		}
		ids[id] = true
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dataset versions: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	byKey := make(map[string]*DataVersion, len(out))
	for _, v := range out {
		byKey[v.Ref()] = v
	}
	err = s.eachRowIn(ctx, `SELECT d.name, a.version, a.alias FROM data_aliases a JOIN data_sets d ON d.id = a.dataset_id
		WHERE a.dataset_id IN %s ORDER BY a.alias`, anys(slices.Sorted(maps.Keys(ids))), func(rows *sql.Rows) error {
		var name, alias string
		var v int64
		if err := rows.Scan(&name, &v, &alias); err != nil {
			return err
		}
		if dv := byKey[DataRef{Name: name, Version: v}.String()]; dv != nil {
			dv.Aliases = append(dv.Aliases, alias)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dataset aliases: %w", err)
	}
	return out, nil
}

// DataSets lists every dataset with its latest version and aliases, by name.
func (s *Store) DataSets(ctx context.Context) ([]*DataSet, error) {
	var out []*DataSet
	byID := map[int64]*DataSet{}
	err := s.eachRow(ctx, `SELECT d.id, d.name, d.created, d.updated, (SELECT count(*) FROM data_versions v WHERE v.dataset_id = d.id)
		FROM data_sets d ORDER BY d.name`, nil, func(rows *sql.Rows) error {
		ds := &DataSet{}
		var id int64
		if err := rows.Scan(&id, &ds.Name, &ds.Created, &ds.Updated, &ds.Versions); err != nil {
			return err
		}
		byID[id] = ds
		out = append(out, ds)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	latest, err := s.queryDataVersions(ctx, `SELECT `+dataVersionCols+` FROM data_versions v JOIN data_sets d ON d.id = v.dataset_id
		WHERE v.version = (SELECT max(version) FROM data_versions WHERE dataset_id = d.id)`)
	if err != nil {
		return nil, err
	}
	byName := map[string]*DataSet{}
	for _, ds := range out {
		byName[ds.Name] = ds
	}
	for _, v := range latest {
		if ds := byName[v.Name]; ds != nil {
			ds.Latest = v
		}
	}
	err = s.eachRow(ctx, `SELECT dataset_id, alias, version FROM data_aliases ORDER BY alias`, nil, func(rows *sql.Rows) error {
		var id, v int64
		var alias string
		if err := rows.Scan(&id, &alias, &v); err != nil {
			return err
		}
		if ds := byID[id]; ds != nil {
			if ds.Aliases == nil {
				ds.Aliases = map[string]int64{}
			}
			ds.Aliases[alias] = v
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list dataset aliases: %w", err)
	}
	return out, nil
}

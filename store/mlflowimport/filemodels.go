package mlflowimport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// models reads the file store's model registry:
//
//	models/<name>/meta.yaml               name, description, creation_timestamp, last_updated_timestamp
//	models/<name>/tags/<key>
//	models/<name>/aliases/<alias>         the version number
//	models/<name>/version-<n>/meta.yaml   version, source, run_id, status, current_stage, ...
//	models/<name>/version-<n>/tags/<key>
func (f *fileStore) models(ctx context.Context) ([]Model, error) {
	root := filepath.Join(f.root, "models")
	ents, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Model
	for _, ent := range ents {
		dir := filepath.Join(root, ent.Name())
		if !ent.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "meta.yaml")); err != nil {
			continue
		}
		m, err := f.model(dir)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fileStore) model(dir string) (Model, error) {
	var m Model
	meta, err := f.readMeta(dir)
	if err != nil {
		return m, err
	}
	p := filepath.Join(dir, "meta.yaml")
	var errs [4]error
	m.Name, errs[0] = meta.str("name")
	m.Description, errs[1] = meta.str("description")
	m.CreationTime, _, errs[2] = meta.integer("creation_timestamp")
	m.LastUpdatedTime, _, errs[3] = meta.integer("last_updated_timestamp")
	for _, e := range errs {
		if e != nil {
			return m, f.yamlErr(p, e)
		}
	}
	if m.Name == "" {
		m.Name = filepath.Base(dir)
	}
	tags, err := f.readKV(filepath.Join(dir, "tags"))
	if err != nil {
		return m, err
	}
	m.Tags = sortedTags(tags)
	aliases, err := f.readKV(filepath.Join(dir, "aliases"))
	if err != nil {
		return m, err
	}
	for a, v := range aliases {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: want a version number, got %q", f.rel(filepath.Join(dir, "aliases", a)), shorten(v))
		}
		if m.Aliases == nil {
			m.Aliases = map[string]int64{}
		}
		m.Aliases[a] = n
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return m, err
	}
	for _, ent := range ents {
		if !ent.IsDir() || !strings.HasPrefix(ent.Name(), "version-") {
			continue
		}
		v, keep, err := f.modelVersion(filepath.Join(dir, ent.Name()))
		if err != nil {
			return m, err
		}
		if keep {
			m.Versions = append(m.Versions, v)
		}
	}
	sort.Slice(m.Versions, func(i, j int) bool { return m.Versions[i].Version < m.Versions[j].Version })
	return m, nil
}

func (f *fileStore) modelVersion(dir string) (ModelVersion, bool, error) {
	var v ModelVersion
	meta, err := f.readMeta(dir)
	if err != nil {
		return v, false, err
	}
	p := filepath.Join(dir, "meta.yaml")
	var errs [11]error
	var ok bool
	v.Version, ok, errs[0] = meta.integer("version")
	v.Source, errs[1] = meta.str("source")
	v.RunID, errs[2] = meta.str("run_id")
	v.RunLink, errs[3] = meta.str("run_link")
	v.Status, errs[4] = meta.str("status")
	v.StatusMessage, errs[5] = meta.str("status_message")
	v.Stage, errs[6] = meta.str("current_stage")
	v.Description, errs[7] = meta.str("description")
	v.UserID, errs[8] = meta.str("user_id")
	v.CreationTime, _, errs[9] = meta.integer("creation_timestamp")
	v.LastUpdatedTime, _, errs[10] = meta.integer("last_updated_timestamp")
	for _, e := range errs {
		if e != nil {
			return v, false, f.yamlErr(p, e)
		}
	}
	if !ok {
		return v, false, fmt.Errorf("%s: the model version has no version number", f.rel(p))
	}
	if v.Stage == "Deleted_Internal" {
		return v, false, nil
	}
	tags, err := f.readKV(filepath.Join(dir, "tags"))
	v.Tags = sortedTags(tags)
	return v, true, err
}

func sortedTags(m map[string]string) []store.Tag {
	var out []store.Tag
	for _, k := range sortedMapKeys(m) {
		out = append(out, store.Tag{Key: k, Value: m[k]})
	}
	return out
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// newRegistryRun makes a run with one dataset input, for versions to point at.
func newRegistryRun(t *testing.T, s *Store) *Run {
	t.Helper()
	ctx := context.Background()
	r, err := s.CreateRun(ctx, RunCreate{Name: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LogInputs(ctx, r.ID, []DatasetInput{{Dataset: Dataset{Name: "iris", Digest: "abc123", SourceType: "local", Source: "/data/iris.csv"},
		Tags: []Tag{{"mlflow.data.context", "training"}}}}); err != nil {
		t.Fatal(err)
	}
	return r
}

func eventKinds(t *testing.T, s *Store, after int64) []string {
	t.Helper()
	evs, err := s.Events(context.Background(), after, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func TestRegisteredModelLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	m, err := s.CreateRegisteredModel(ctx, "churn", "predicts churn", []Tag{{"team", "growth"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "churn" || m.Description != "predicts churn" || m.Tags["team"] != "growth" || m.Latest != nil || m.CreationTime == 0 {
		t.Fatalf("created %+v", m)
	}
	if _, err := s.CreateRegisteredModel(ctx, "churn", "", nil); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []string{"", " x", "a:b", "a@b", "a/b", "a\x00b", strings.Repeat("n", 257)} {
		if _, err := s.CreateRegisteredModel(ctx, bad, "", nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.CreateRegisteredModel(ctx, "x", "", []Tag{{"bad key!", "v"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad tag key: %v", err)
	}
	if _, err := s.CreateRegisteredModel(ctx, "other", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RenameRegisteredModel(ctx, "churn", "other"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("rename onto a taken name: %v", err)
	}
	if _, err := s.RenameRegisteredModel(ctx, "nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rename unknown: %v", err)
	}
	if m, err = s.RenameRegisteredModel(ctx, "churn", "churn-v2"); err != nil || m.Name != "churn-v2" || m.Tags["team"] != "growth" {
		t.Fatalf("rename: %+v, %v", m, err)
	}
	if m, err = s.UpdateRegisteredModel(ctx, "churn-v2", "new words"); err != nil || m.Description != "new words" {
		t.Fatalf("update: %+v, %v", m, err)
	}
	if err := s.SetRegisteredModelTag(ctx, "churn-v2", "stage", "beta"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRegisteredModelTag(ctx, "churn-v2", "team"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRegisteredModelTag(ctx, "churn-v2", "never-set"); err != nil {
		t.Errorf("deleting a missing tag: %v, want no error (as MLflow)", err)
	}
	if m, _ = s.GetRegisteredModel(ctx, "churn-v2"); fmt.Sprint(m.Tags) != "map[stage:beta]" {
		t.Errorf("tags %v", m.Tags)
	}
	if err := s.SetRegisteredModelTag(ctx, "nope", "k", "v"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tag unknown model: %v", err)
	}
	if err := s.DeleteRegisteredModel(ctx, "churn-v2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRegisteredModel(ctx, "churn-v2"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"churn-v2"`) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.DeleteRegisteredModel(ctx, "churn-v2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	kinds := strings.Join(eventKinds(t, s, 0), " ")
	for _, k := range []string{"registered_model.created", "registered_model.renamed", "registered_model.updated",
		"registered_model.tagged", "registered_model.tag_deleted", "registered_model.deleted"} {
		if !strings.Contains(kinds, k) {
			t.Errorf("no %s event in %s", k, kinds)
		}
	}
}

func TestModelVersions(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	run := newRegistryRun(t, s)
	if _, err := s.CreateRegisteredModel(ctx, "iris", "", nil); err != nil {
		t.Fatal(err)
	}
	src := "runs:/" + run.ID + "/model"
	v1, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: src, Tags: []Tag{{"k", "v"}}, Description: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.RunID != run.ID || v1.Status != ModelVersionReady || v1.Tags["k"] != "v" || v1.Description != "first" {
		t.Fatalf("v1 = %+v", v1)
	}
	if want := run.ArtifactURI + "/model"; v1.StorageLocation != want {
		t.Errorf("storage location %q, want %q", v1.StorageLocation, want)
	}
	if uri, _ := s.ModelVersionDownloadURI(ctx, "iris", 1); uri != run.ArtifactURI+"/model" {
		t.Errorf("download uri %q", uri)
	}
	v2, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: "s3://bucket/iris/2"})
	if err != nil || v2.Version != 2 || v2.RunID != "" || v2.StorageLocation != "s3://bucket/iris/2" {
		t.Fatalf("v2 = %+v, %v", v2, err)
	}
	v3, _ := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: src, RunID: run.ID})
	if err := s.DeleteModelVersion(ctx, "iris", 3); err != nil {
		t.Fatal(err)
	}
	v4, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: src})
	if err != nil || v3.Version != 3 || v4.Version != 4 {
		t.Fatalf("a deleted version's number was reused: v3 %+v v4 %+v %v", v3, v4, err)
	}
	if _, err := s.GetModelVersion(ctx, "iris", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted version: %v", err)
	}
	for _, c := range []struct {
		mc   ModelVersionCreate
		want error
	}{
		{ModelVersionCreate{Name: "nope", Source: src}, ErrNotFound},
		{ModelVersionCreate{Name: "iris", Source: "runs:/0123456789abcdef0123456789abcdef/m"}, ErrNotFound},
		{ModelVersionCreate{Name: "iris", Source: "/home/me/model"}, ErrInvalid},
		{ModelVersionCreate{Name: "iris", Source: "file:///home/me/model"}, ErrInvalid},
		{ModelVersionCreate{Name: "iris", Source: "s3://b/a/../../etc"}, ErrInvalid},
		{ModelVersionCreate{Name: "iris", Source: "s3://b/a/%2E%2E/x"}, ErrInvalid},
		{ModelVersionCreate{Name: "iris", Source: ""}, ErrInvalid},
		{ModelVersionCreate{Name: "iris", Source: "models:/m-0123456789abcdef0123456789abcdef"}, ErrNotFound},
	} {
		if _, err := s.CreateModelVersion(ctx, c.mc); !errors.Is(err, c.want) {
			t.Errorf("create %+v: %v, want %v", c.mc, err, c.want)
		}
	}
	if m, _ := s.GetRegisteredModel(ctx, "iris"); m.Latest == nil || m.Latest.Version != 4 {
		t.Errorf("latest = %+v", m.Latest)
	}
	if v, err := s.UpdateModelVersion(ctx, "iris", 2, "second"); err != nil || v.Description != "second" {
		t.Errorf("update: %+v %v", v, err)
	}
	if err := s.SetModelVersionTag(ctx, "iris", 2, "ok", "yes"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModelVersionTag(ctx, "iris", 9, "ok", "yes"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no version 9") {
		t.Errorf("tag a missing version: %v", err)
	}
	if err := s.DeleteModelVersionTag(ctx, "iris", 1, "k"); err != nil {
		t.Fatal(err)
	}

	search := func(q RegistryQuery) string {
		t.Helper()
		vs, _, err := s.SearchModelVersions(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Ref())
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		q    RegistryQuery
		want string
	}{
		{RegistryQuery{Filter: "name = 'iris'"}, "iris:4 iris:2 iris:1"},
		{RegistryQuery{Filter: "name='iris' AND run_id = '" + run.ID + "'"}, "iris:4 iris:1"},
		{RegistryQuery{Filter: "source_path = 's3://bucket/iris/2'"}, "iris:2"},
		{RegistryQuery{Filter: "tags.ok = 'yes'"}, "iris:2"},
		{RegistryQuery{Filter: "run_id IN ('" + run.ID + "', 'x')"}, "iris:4 iris:1"},
		{RegistryQuery{Filter: "version_number >= 2"}, "iris:4 iris:2"},
		{RegistryQuery{Name: "iris", OrderBy: []string{"version_number ASC"}}, "iris:1 iris:2 iris:4"},
		{RegistryQuery{Name: "nope"}, ""},
	} {
		if got := search(c.q); got != c.want {
			t.Errorf("search %+v = %q, want %q", c.q, got, c.want)
		}
	}
	vs, next, err := s.SearchModelVersions(ctx, RegistryQuery{Name: "iris", MaxResults: 2})
	if err != nil || len(vs) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(vs), next, err)
	}
	vs, next, _ = s.SearchModelVersions(ctx, RegistryQuery{Name: "iris", MaxResults: 2, PageToken: next})
	if len(vs) != 1 || next != "" || vs[0].Version != 1 {
		t.Errorf("page 2: %+v %q", vs, next)
	}
	for _, bad := range []RegistryQuery{{Filter: "name = iris"}, {Filter: "bogus = 'x'"}, {Filter: "name = 'a' OR name = 'b'"},
		{OrderBy: []string{"size"}}, {PageToken: "!!"}, {Filter: "version_number = 'x'"}} {
		if _, _, err := s.SearchModelVersions(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("search %+v: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestVersionNumbersUnderConcurrency(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}
	const n = 24
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "m", Source: fmt.Sprintf("s3://b/%d", i)})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = v.Version
		}()
	}
	wg.Wait()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("versions %v, want 1..%d each once", got, n)
		}
	}
}

func TestAliasesAndRefs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateRegisteredModel(ctx, "iris", "", nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: "s3://b/m"}); err != nil {
			t.Fatal(err)
		}
	}
	mark, _ := s.LastEventID(ctx)
	if err := s.SetModelAlias(ctx, "iris", "champion", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModelAlias(ctx, "iris", "champion", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModelAlias(ctx, "iris", "champion", 2); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(ctx, mark, 0)
	if len(evs) != 2 || evs[1].Kind != "model_alias.set" {
		t.Fatalf("events %+v, want two alias sets (setting the same version again is no change)", evs)
	}
	var p map[string]any
	_ = json.Unmarshal([]byte(evs[1].Payload), &p)
	if p["version"] != 2.0 || p["previous_version"] != 1.0 || p["alias"] != "champion" {
		t.Errorf("moving an alias: payload %v, want old and new version", p)
	}
	for _, bad := range []struct {
		alias string
		v     int64
		want  error
	}{{"latest", 1, ErrInvalid}, {"LATEST", 1, ErrInvalid}, {"v2", 1, ErrInvalid}, {"a b", 1, ErrInvalid}, {"", 1, ErrInvalid}, {"ok", 9, ErrNotFound}} {
		if err := s.SetModelAlias(ctx, "iris", bad.alias, bad.v); !errors.Is(err, bad.want) {
			t.Errorf("alias %q -> %d: %v, want %v", bad.alias, bad.v, err, bad.want)
		}
	}
	if err := s.SetModelAlias(ctx, "iris", "staging", 3); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"iris": "iris:3", "iris:1": "iris:1", "iris@champion": "iris:2", "models:/iris/1": "iris:1",
		"models:/iris@staging": "iris:3", "models:/iris/latest": "iris:3"} {
		v, err := s.ResolveModelRef(ctx, ref)
		if err != nil || v.Ref() != want {
			t.Errorf("resolve %s = %v, %v; want %s", ref, v, err, want)
		}
	}
	for ref, want := range map[string]error{"iris:7": ErrNotFound, "iris@gone": ErrNotFound, "nope": ErrNotFound, "iris:0": ErrInvalid, "iris:x": ErrInvalid, "": ErrInvalid} {
		if _, err := s.ResolveModelRef(ctx, ref); !errors.Is(err, want) {
			t.Errorf("resolve %q: %v, want %v", ref, err, want)
		}
	}
	if m, _ := s.GetRegisteredModel(ctx, "iris"); m.Aliases["champion"] != 2 || m.Aliases["staging"] != 3 {
		t.Errorf("aliases %v", m.Aliases)
	}
	if v, _ := s.GetModelVersion(ctx, "iris", 2); fmt.Sprint(v.Aliases) != "[champion]" {
		t.Errorf("version aliases %v", v.Aliases)
	}
	if prev, err := s.DeleteModelAlias(ctx, "iris", "champion"); err != nil || prev != 2 {
		t.Errorf("delete alias: %d %v", prev, err)
	}
	if prev, err := s.DeleteModelAlias(ctx, "iris", "champion"); err != nil || prev != 0 {
		t.Errorf("delete a missing alias: %d %v", prev, err)
	}
	if err := s.DeleteModelVersion(ctx, "iris", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetModelVersionByAlias(ctx, "iris", "staging"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an alias of a deleted version survived: %v", err)
	}
	if v, _ := s.ResolveModelRef(ctx, "iris"); v.Version != 2 {
		t.Errorf("latest after deleting 3: %d", v.Version)
	}
}

func TestModelVersionLineage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	run := newRegistryRun(t, s)
	if _, err := s.CreateRegisteredModel(ctx, "iris", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: "runs:/" + run.ID + "/model"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: "s3://b/x"}); err != nil {
		t.Fatal(err)
	}
	l, err := s.ModelVersionLineage(ctx, "iris", 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Run == nil || l.Run.ID != run.ID || len(l.Datasets) != 1 || l.Datasets[0].Dataset.Name != "iris" {
		t.Fatalf("lineage %+v", l)
	}
	var n int
	if err := s.ReadDB().QueryRow(`SELECT count(*) FROM lineage WHERE from_kind = 'run' AND from_id = ? AND to_kind = 'model_version' AND kind = 'produced'`, run.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("lineage rows run -> model_version: %d %v", n, err)
	}
	if l, err := s.ModelVersionLineage(ctx, "iris", 2); err != nil || l.Run != nil || len(l.Datasets) != 0 {
		t.Errorf("a version without a run: %+v %v", l, err)
	}
	if _, err := s.ModelVersionLineage(ctx, "iris", 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing version: %v", err)
	}
	if err := s.DeleteRegisteredModel(ctx, "iris"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadDB().QueryRow(`SELECT count(*) FROM lineage WHERE to_kind = 'model_version'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("lineage of a deleted model left behind: %d %v", n, err)
	}
}

func TestSearchRegisteredModels(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, n := range []string{"beta", "Alpha", "alpha-2", "gamma"} {
		if _, err := s.CreateRegisteredModel(ctx, n, "", []Tag{{"first", n[:1]}}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(q RegistryQuery) string {
		t.Helper()
		ms, _, err := s.SearchRegisteredModels(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return strings.Join(out, ",")
	}
	for q, want := range map[string]string{
		"":                                    "Alpha,alpha-2,beta,gamma",
		"name = 'beta'":                       "beta",
		"name LIKE 'alpha%'":                  "alpha-2",
		"name ILIKE 'alpha%'":                 "Alpha,alpha-2",
		"name != 'beta' AND tags.first = 'g'": "gamma",
		"tags.`first` LIKE 'a'":               "alpha-2",
	} {
		if got := names(RegistryQuery{Filter: q}); got != want {
			t.Errorf("filter %q = %s, want %s", q, got, want)
		}
	}
	if got := names(RegistryQuery{OrderBy: []string{"name DESC"}}); got != "gamma,beta,alpha-2,Alpha" {
		t.Errorf("name DESC: %s", got)
	}
	if got := names(RegistryQuery{OrderBy: []string{"last_updated_timestamp DESC"}}); got != "Alpha,alpha-2,beta,gamma" {
		t.Errorf("equal times tie-break on name: %s", got)
	}
}

func TestLoggedModels(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	run := newRegistryRun(t, s)
	lm, err := s.CreateLoggedModel(ctx, LoggedModelCreate{Name: "model", ModelType: "sklearn", SourceRunID: run.ID,
		Params: []Param{{"alpha", "0.5"}}, Tags: []Tag{{"mlflow.source.type", "LOCAL"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lm.ID, "m-") || len(lm.ID) != 34 || lm.Status != LoggedModelPending || lm.SourceRunID != run.ID ||
		lm.ArtifactURI != run.ArtifactURI+"/models/"+lm.ID || lm.Params["alpha"] != "0.5" {
		t.Fatalf("created %+v", lm)
	}
	if err := s.LogLoggedModelParams(ctx, lm.ID, []Param{{"alpha", "0.5"}, {"beta", "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LogLoggedModelParams(ctx, lm.ID, []Param{{"alpha", "0.7"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("changing a param: %v", err)
	}
	if err := s.SetLoggedModelTags(ctx, lm.ID, []Tag{{"k", "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLoggedModelTag(ctx, lm.ID, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete a missing tag: %v", err)
	}
	if _, err := s.FinalizeLoggedModel(ctx, lm.ID, LoggedModelPending); !errors.Is(err, ErrInvalid) {
		t.Errorf("finalize as pending: %v", err)
	}
	if lm, err = s.FinalizeLoggedModel(ctx, lm.ID, LoggedModelReady); err != nil || lm.Status != LoggedModelReady || lm.Params["beta"] != "1" {
		t.Fatalf("finalize: %+v %v", lm, err)
	}
	if err := s.LogRunOutputs(ctx, run.ID, []ModelOutput{{lm.ID, 3}}); err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateLoggedModel(ctx, LoggedModelCreate{})
	if other.Name == "" || other.ArtifactURI != "mlflow-artifacts:/0/models/"+other.ID+"/artifacts" {
		t.Errorf("a logged model without a run: %+v", other)
	}
	found, _, err := s.SearchLoggedModels(ctx, LoggedModelQuery{ExperimentIDs: []int64{0}, Filter: "source_run_id = '" + run.ID + "' AND name = 'model'"})
	if err != nil || len(found) != 1 || found[0].ID != lm.ID {
		t.Fatalf("search: %+v %v", found, err)
	}
	found, _, _ = s.SearchLoggedModels(ctx, LoggedModelQuery{OrderBy: []LoggedModelOrder{{"name", true}}, Filter: "params.alpha = '0.5'"})
	if len(found) != 1 {
		t.Errorf("search by param: %d", len(found))
	}

	if _, err := s.CreateRegisteredModel(ctx, "iris", "", nil); err != nil {
		t.Fatal(err)
	}
	v, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "iris", Source: "models:/" + lm.ID, RunID: run.ID})
	if err != nil || v.LoggedModelID != lm.ID || v.StorageLocation != lm.ArtifactURI {
		t.Fatalf("register a logged model: %+v %v", v, err)
	}
	lm, _ = s.GetLoggedModel(ctx, lm.ID)
	if lm.Tags[TagModelVersions] != `[{"name":"iris","version":"1"}]` {
		t.Errorf("%s = %q", TagModelVersions, lm.Tags[TagModelVersions])
	}
	if err := s.DeleteLoggedModel(ctx, lm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLoggedModel(ctx, lm.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if _, err := s.CreateLoggedModel(ctx, LoggedModelCreate{ExperimentID: 42}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown experiment: %v", err)
	}
}

func TestParseModelRef(t *testing.T) {
	for in, want := range map[string]ModelRef{
		"churn":                {Name: "churn"},
		"churn:12":             {Name: "churn", Version: 12},
		"churn@champion":       {Name: "churn", Alias: "champion"},
		"my model.v2@prod-1":   {Name: "my model.v2", Alias: "prod-1"},
		"models:/churn/3":      {Name: "churn", Version: 3},
		"models:/churn@a_b":    {Name: "churn", Alias: "a_b"},
		"models:/churn/latest": {Name: "churn"},
	} {
		got, err := ParseModelRef(in)
		if err != nil || got != want {
			t.Errorf("ParseModelRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ":1", "@a", "churn:", "churn:0", "churn:-1", "churn:+1", "churn:1.0", "churn@", "churn@latest",
		"churn@v1", "churn@a b", "a:b:1", "churn@a@b", " churn", "models:/", "models:/a/b/c"} {
		if r, err := ParseModelRef(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseModelRef(%q) = %+v, %v; want ErrInvalid", bad, r, err)
		}
	}
}

// FuzzParseModelRef: parsing never panics; what parses is a valid name
// (and alias) and prints back to a reference that parses to the same thing.
func FuzzParseModelRef(f *testing.F) {
	for _, s := range []string{"churn", "churn:3", "churn@prod", "models:/a/1", "models:/a@b", "a:b", "a@v1", "é:9223372036854775807", "x:9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseModelRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: %v is not ErrInvalid", s, err)
			}
			return
		}
		if ValidateModelName(r.Name) != nil || (r.Alias != "" && ValidateAlias(r.Alias) != nil) || r.Version < 0 || (r.Alias != "" && r.Version != 0) {
			t.Fatalf("%q parsed to invalid %+v", s, r)
		}
		back, err := ParseModelRef(r.String())
		if err != nil || back != r {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, r, r.String(), back, err)
		}
	})
}

// FuzzRegistryFilter: a filter either fails with ErrInvalid or compiles to
// SQL that SQLite runs, for models, versions and logged models.
func FuzzRegistryFilter(f *testing.F) {
	for _, s := range []string{"name = 'a'", "name LIKE 'a%' AND tags.k = \"v\"", "tags.`a b` ILIKE '%'", "run_id IN ('a', 'b')",
		"version_number >= -3", "source_path != 's3://x'", "params.p = '1' and status = 'LOGGED_MODEL_READY'", "name = 'it\\'s'",
		"name =", "tags.", "attributes.name <> 'x'", "model_id IN ()", "(", "name = 'a' OR"} {
		f.Add(s)
	}
	s := openTest(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, filter string) {
		check := func(err error) {
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: %v", filter, err)
			}
		}
		_, _, err := s.SearchRegisteredModels(ctx, RegistryQuery{Filter: filter})
		check(err)
		_, _, err = s.SearchModelVersions(ctx, RegistryQuery{Filter: filter})
		check(err)
		_, _, err = s.SearchLoggedModels(ctx, LoggedModelQuery{Filter: filter})
		check(err)
	})
}

// TestLargePagesChunkINLists: pages larger than one IN list still load every
// model's latest version, tags and aliases.
func TestLargePagesChunkINLists(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	n := maxInList + 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("m%04d", i)
			if _, err := s.CreateRegisteredModel(ctx, name, "", []Tag{{"i", fmt.Sprint(i)}}); err != nil {
				t.Error(err)
				return
			}
			if _, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: name, Source: "s3://b/x"}); err != nil {
				t.Error(err)
				return
			}
			if err := s.SetModelAlias(ctx, name, "a", 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ms, next, err := s.SearchRegisteredModels(ctx, RegistryQuery{MaxResults: 1000})
	if err != nil || len(ms) != n || next != "" {
		t.Fatalf("%d models, %q, %v", len(ms), next, err)
	}
	for _, m := range ms {
		if m.Latest == nil || m.Latest.Version != 1 || m.Aliases["a"] != 1 || m.Tags["i"] == "" || fmt.Sprint(m.Latest.Aliases) != "[a]" {
			t.Fatalf("%s: %+v", m.Name, m)
		}
	}
	vs, _, err := s.SearchModelVersions(ctx, RegistryQuery{MaxResults: 1000})
	if err != nil || len(vs) != n {
		t.Fatalf("%d versions, %v", len(vs), err)
	}
}

// Imports keep MLflow's version numbers, gaps included; numbers already
// used are refused, and allocation continues after the highest.
func TestCreateModelVersionKeepsGivenNumbers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	if _, err := s.CreateRegisteredModel(ctx, "recs", "", nil); err != nil {
		t.Fatal(err)
	}
	src := "runs:/" + r.ID + "/model"
	for _, tc := range []struct {
		give, want int64
		err        error
	}{{1, 1, nil}, {3, 3, nil}, {2, 0, ErrAlreadyExists}, {0, 4, nil}} {
		mv, err := s.CreateModelVersion(ctx, ModelVersionCreate{Name: "recs", Source: src, Version: tc.give})
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Fatalf("version %d: err %v, want %v", tc.give, err, tc.err)
			}
			continue
		}
		if err != nil || mv.Version != tc.want {
			t.Fatalf("version %d: got %v, %v; want %d", tc.give, mv, err, tc.want)
		}
	}
}

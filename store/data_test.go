package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addFile(t *testing.T, s *Store, name, body string, alias string) (*DataVersion, bool) {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), name+".csv")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := s.PutBlobFile(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, created, err := s.AddDataVersion(ctx, DataVersionCreate{Name: name, Format: "csv", Alias: alias, Rows: 2,
		Files: []DataFile{{Path: name + ".csv", Hash: b.Hash, Size: b.Size}}, Profile: `{"rows":2}`})
	if err != nil {
		t.Fatal(err)
	}
	return v, created
}

func TestDataVersionsRefsAndDedup(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	v1, created := addFile(t, s, "retail", "a,b\n1,2\n", "reference")
	if !created || v1.Version != 1 || v1.Ref() != "retail:1" || len(v1.Files) != 1 || v1.Aliases[0] != "reference" {
		t.Fatalf("first version: %+v created=%v", v1, created)
	}
	// The same bytes again: no new version.
	again, created := addFile(t, s, "retail", "a,b\n1,2\n", "")
	if created || again.Version != 1 {
		t.Fatalf("re-adding the same bytes made version %d (created=%v)", again.Version, created)
	}
	v2, created := addFile(t, s, "retail", "a,b\n1,3\n", "")
	if !created || v2.Version != 2 || v2.Digest == v1.Digest {
		t.Fatalf("second version: %+v", v2)
	}
	for ref, want := range map[string]int64{"retail": 2, "retail:1": 1, "retail@reference": 1} {
		v, err := s.DataVersion(ctx, ref)
		if err != nil || v.Version != want {
			t.Errorf("%s: got %v, %v; want version %d", ref, v, err, want)
		}
	}
	for ref, want := range map[string]error{"retail:9": ErrNotFound, "nope": ErrNotFound, "retail@x": ErrNotFound, "a/b": ErrInvalid, "retail:0": ErrInvalid} {
		if _, err := s.DataVersion(ctx, ref); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", ref, err, want)
		}
	}
	if _, err := s.SetDataAlias(ctx, "retail:2", "reference"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.DataVersion(ctx, "retail@reference"); v.Version != 2 {
		t.Errorf("alias did not move: %d", v.Version)
	}
	sets, err := s.DataSets(ctx)
	if err != nil || len(sets) != 1 || sets[0].Versions != 2 || sets[0].Latest.Version != 2 || sets[0].Aliases["reference"] != 2 {
		t.Fatalf("DataSets: %+v %v", sets, err)
	}
	if err := s.SetDataValidation(ctx, "retail:1", ValidationFailed, `{"passed":false}`); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.DataVersion(ctx, "retail:1"); v.ValidationStatus != ValidationFailed || v.Validation == "" {
		t.Errorf("validation not stored: %+v", v)
	}
}

func TestDataVersionRejectsBadInput(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	good := DataFile{Path: "a.csv", Hash: "sha256:" + strings.Repeat("a", 64), Size: 1}
	for name, dc := range map[string]DataVersionCreate{
		"name with colon": {Name: "a:b", Files: []DataFile{good}},
		"no files":        {Name: "a"},
		"absolute path":   {Name: "a", Files: []DataFile{{Path: "/etc/passwd", Hash: good.Hash}}},
		"dotdot path":     {Name: "a", Files: []DataFile{{Path: "../x", Hash: good.Hash}}},
		"bad hash":        {Name: "a", Files: []DataFile{{Path: "a.csv", Hash: "md5:1"}}},
		"bad alias":       {Name: "a", Alias: "latest", Files: []DataFile{good}},
	} {
		if _, _, err := s.AddDataVersion(ctx, dc); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	// A blob whose bytes are not in the store: refused, nothing written.
	if _, _, err := s.AddDataVersion(ctx, DataVersionCreate{Name: "a", Files: []DataFile{good}}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("missing bytes: got %v", err)
	}
	if sets, _ := s.DataSets(ctx); len(sets) != 0 {
		t.Errorf("a refused version left %d datasets behind", len(sets))
	}
}

func TestDataLineageAndDelete(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	v1, _ := addFile(t, s, "retail", "a,b\n1,2\n", "")
	r, err := s.CreateRun(ctx, RunCreate{Name: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRunDataInputs(ctx, r.ID, []*DataVersion{v1}, "training"); err != nil {
		t.Fatal(err)
	}
	in, err := s.RunDataInputs(ctx, r.ID)
	if err != nil || len(in) != 1 || in[0].Ref() != "retail:1" {
		t.Fatalf("RunDataInputs: %v %v", in, err)
	}
	runs, err := s.DataVersionRuns(ctx, "retail:1")
	if err != nil || len(runs) != 1 || runs[0] != r.ID {
		t.Fatalf("DataVersionRuns: %v %v", runs, err)
	}
	// An MLflow client logging the digest (a prefix) links the version too.
	r2, _ := s.CreateRun(ctx, RunCreate{Name: "mlflow"})
	if err := s.LogInputs(ctx, r2.ID, []DatasetInput{{Dataset: Dataset{Name: "whatever", Digest: v1.Digest[:16]}}}); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.RunDataInputs(ctx, r2.ID); len(in) != 1 || in[0].Version != 1 {
		t.Errorf("digest match did not link: %v", in)
	}
	in1, err := s.MaterializeDataVersion(ctx, v1)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(in1); err != nil || string(b) != "a,b\n1,2\n" || filepath.Base(in1) != "retail.csv" {
		t.Fatalf("materialised %s: %q %v", in1, b, err)
	}
	// Used by runs: refused without force.
	if _, err := s.DeleteDataVersion(ctx, "retail:1", false); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("delete of a used version: %v", err)
	}
	if _, err := s.DeleteDataVersion(ctx, "retail:1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DataVersion(ctx, "retail"); !errors.Is(err, ErrNotFound) {
		t.Errorf("dataset still there: %v", err)
	}
	rep, err := s.GC(ctx, GCOptions{Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 1 || rep.InputDirs != 1 {
		t.Errorf("gc freed %d blobs and %d input dirs, want 1 and 1", rep.Blobs, rep.InputDirs)
	}
	if _, err := os.Stat(in1); !os.IsNotExist(err) {
		t.Errorf("the materialised input outlived its version: %v", err)
	}
	if _, err := s.OpenBlob(v1.Files[0].Hash); !errors.Is(err, ErrNotFound) {
		t.Errorf("blob still readable after gc: %v", err)
	}
}

func TestPutBlobFileDedupAndRefusesNonFiles(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(p, []byte("x\n1\n"), 0o644)
	b1, how1, err := s.PutBlobFile(ctx, p, nil)
	if err != nil || (how1 != StoredCopy && how1 != StoredReflink) {
		t.Fatalf("first put: %v %v", how1, err)
	}
	b2, how2, err := s.PutBlobFile(ctx, p, nil)
	if err != nil || how2 != StoredDedup || b2 != b1 {
		t.Fatalf("second put: %v %v %v", b2, how2, err)
	}
	f, _ := s.OpenBlob(b1.Hash)
	got, _ := os.ReadFile(f.Name())
	f.Close()
	if string(got) != "x\n1\n" {
		t.Errorf("stored bytes %q", got)
	}
	if _, _, err := s.PutBlobFile(ctx, filepath.Dir(p), nil); err == nil {
		t.Error("a directory was stored as a blob")
	}
	if _, _, err := s.PutBlobFile(ctx, filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

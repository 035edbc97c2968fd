package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func objectPath(s *Store, content string) string {
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(s.Dir(), ObjectsDir, h[:2], h[2:])
}

func countRows(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.ReadDB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func onDisk(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// gcFixture has an active run and a deleted one sharing an artifact, the
// deleted one with its own artifact, metrics, params, tags and an input, and
// a deleted run that a model version uses.
func gcFixture(t *testing.T) (s *Store, keep, gone, used *Run) {
	t.Helper()
	s = openTest(t)
	ctx := context.Background()
	mk := func(arts map[string]string, points int) *Run {
		r, err := s.CreateRun(ctx, RunCreate{})
		if err != nil {
			t.Fatal(err)
		}
		var b Batch
		for i := range points {
			b.Metrics = append(b.Metrics, Metric{Key: "loss", Value: float64(i), Step: int64(i), Timestamp: 1})
		}
		b.Params = []Param{{"lr", "0.1"}}
		b.Tags = []Tag{{"t", "v"}}
		if err := s.LogBatch(ctx, r.ID, b); err != nil {
			t.Fatal(err)
		}
		if err := s.LogInputs(ctx, r.ID, []DatasetInput{{Dataset: Dataset{Name: "d", Digest: "x"}}}); err != nil {
			t.Fatal(err)
		}
		for p, c := range arts {
			if _, err := s.LogArtifact(ctx, r.ID, p, strings.NewReader(c)); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	keep = mk(map[string]string{"shared.bin": "shared bytes"}, 5)
	gone = mk(map[string]string{"shared.bin": "shared bytes", "own/model.bin": "only the deleted run has these"}, 25)
	used = mk(map[string]string{"m.bin": "registered"}, 3)
	for _, r := range []*Run{gone, used} {
		if err := s.SetRunStage(ctx, r.ID, StageDeleted); err != nil {
			t.Fatal(err)
		}
	}
	err := s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO registered_models (id, name, creation_time, last_updated_time) VALUES (1, 'm', 0, 0)`); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO model_versions (model_id, version, run_id, creation_time, last_updated_time)
			SELECT 1, 1, id, 0, 0 FROM runs WHERE uuid = ?`, used.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, keep, gone, used
}

func TestGCDryRunChangesNothing(t *testing.T) {
	s, _, gone, used := gcFixture(t)
	ctx := context.Background()
	before := countRows(t, s, `SELECT count(*) FROM events`)
	rep, err := s.GC(ctx, GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	own := int64(len("only the deleted run has these"))
	if rep.RunsPurged != 1 || rep.MetricPoints != 25 || rep.ArtifactFiles != 2 || rep.Blobs != 1 || rep.BlobBytes != own ||
		!slices.Equal(rep.RunsKept, []string{used.ID}) || rep.BytesFreed() != own {
		t.Errorf("dry run: %+v", rep)
	}
	if _, err := s.GetRun(ctx, gone.ID); err != nil {
		t.Errorf("dry run removed the run: %v", err)
	}
	if !onDisk(objectPath(s, "only the deleted run has these")) || countRows(t, s, `SELECT count(*) FROM events`) != before {
		t.Error("dry run changed the store")
	}
}

func TestGCPurgesDeletedRuns(t *testing.T) {
	s, keep, gone, used := gcFixture(t)
	ctx := context.Background()
	var phases []string
	rep, err := s.GC(ctx, GCOptions{Settle: -1, metricChunk: 10, Progress: func(p GCProgress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	own := int64(len("only the deleted run has these"))
	if rep.RunsPurged != 1 || rep.MetricPoints != 25 || rep.ArtifactFiles != 2 || rep.Blobs != 1 || rep.BlobBytes != own ||
		!slices.Equal(rep.RunsKept, []string{used.ID}) || len(rep.Problems) != 0 {
		t.Errorf("report: %+v", rep)
	}
	if !slices.Equal(phases, []string{"runs", "blobs", "orphans", "sweep"}) {
		t.Errorf("progress phases: %v", phases)
	}
	if _, err := s.GetRun(ctx, gone.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("purged run still there: %v", err)
	}
	for _, tbl := range []string{"params", "tags", "metric_summary", "run_inputs", "artifacts"} {
		if n := countRows(t, s, `SELECT count(*) FROM `+tbl+` WHERE run_id NOT IN (SELECT id FROM runs)`); n != 0 {
			t.Errorf("%s: %d rows of the purged run", tbl, n)
		}
	}
	if n := countRows(t, s, `SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)`); n != 0 {
		t.Errorf("metrics: %d points of the purged run", n)
	}
	if n := countRows(t, s, `SELECT count(*) FROM lineage WHERE to_id = ?`, gone.ID); n != 0 {
		t.Errorf("lineage of the purged run: %d", n)
	}
	if onDisk(objectPath(s, "only the deleted run has these")) || countRows(t, s, `SELECT count(*) FROM blobs`) != 2 {
		t.Error("the purged run's own object survived")
	}
	f, _, err := s.OpenArtifact(ctx, keep.ID, "shared.bin")
	if err != nil {
		t.Fatalf("shared artifact of the kept run: %v", err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "shared bytes" || countRows(t, s, `SELECT refcount FROM blobs WHERE hash IN (SELECT hash FROM artifacts)  AND size = 12`) != 1 {
		t.Errorf("shared object: %q", b)
	}
	if r, err := s.GetRun(ctx, used.ID); err != nil || r.LifecycleStage != StageDeleted {
		t.Errorf("run used by a model version: %v %v", r, err)
	}
	if n := countRows(t, s, `SELECT count(*) FROM events WHERE kind IN ('run.purged', 'store.gc')`); n != 2 {
		t.Errorf("events: %d", n)
	}
	if ents, _ := filepath.Glob(filepath.Join(s.Dir(), ObjectsDir, gcTrashPrefix+"*")); len(ents) != 0 {
		t.Errorf("trash left behind: %v", ents)
	}
	// Nothing is left to do a second time.
	rep, err = s.GC(ctx, GCOptions{Settle: -1, Vacuum: true})
	if err != nil || rep.RunsPurged != 0 || rep.BytesFreed() != 0 || rep.DBBytesAfter == 0 {
		t.Errorf("second gc: %+v %v", rep, err)
	}
}

func TestGCOlderThan(t *testing.T) {
	s, _, gone, _ := gcFixture(t)
	rep, err := s.GC(context.Background(), GCOptions{Settle: -1, OlderThan: time.Hour})
	if err != nil || rep.RunsPurged != 0 || len(rep.RunsKept) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := s.GetRun(context.Background(), gone.ID); err != nil {
		t.Error("a run deleted just now was purged")
	}
}

// TestGCOrphansTempAndLinks: unrecorded files and partial uploads go once
// old, links are removed as links (their targets untouched) or reported
// when they stand where a recorded blob should be.
func TestGCOrphansTempAndLinks(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	objects := filepath.Join(s.Dir(), ObjectsDir)
	old := time.Now().Add(-2 * time.Hour)
	age := func(p string) {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, c string) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fresh, _, _ := s.PutBlob(ctx, strings.NewReader("fresh orphan"))
	stale, _, _ := s.PutBlob(ctx, strings.NewReader("stale orphan!"))
	age(objectPath(s, "stale orphan!"))
	age(write(filepath.Join(objects, "ab", "not-a-hash"), "junk"))
	age(write(filepath.Join(objects, "tmp", "put-old"), "partial"))
	write(filepath.Join(objects, "tmp", "put-new"), "in flight")

	outside := t.TempDir()
	canary := write(filepath.Join(outside, "canary"), "outside")
	link := filepath.Join(objects, "cd", strings.Repeat("e", 62))
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(canary, link); err != nil {
		t.Fatal(err)
	}
	r, _ := s.CreateRun(ctx, RunCreate{})
	if _, err := s.LogArtifact(ctx, r.ID, "a.bin", strings.NewReader("recorded")); err != nil {
		t.Fatal(err)
	}
	rec := objectPath(s, "recorded")
	os.Remove(rec)
	if err := os.Symlink(canary, rec); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(outside, "evil", strings.Repeat("f", 62)), "outside too")
	if err := os.Symlink(filepath.Join(outside, "evil"), filepath.Join(objects, "ff")); err != nil {
		t.Fatal(err)
	}

	dry, err := s.GC(ctx, GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.GC(ctx, GCOptions{Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*GCReport{dry, rep} {
		if r.OrphanFiles != 3 || r.OrphanBytes != int64(len("stale orphan!")+len("junk"))+int64(len(canary)) ||
			r.TempFiles != 1 || r.TempBytes != int64(len("partial")) || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "symbolic link") {
			t.Errorf("report (dry run %v): %+v", r.DryRun, r)
		}
	}
	if b, err := os.ReadFile(canary); err != nil || string(b) != "outside" {
		t.Errorf("canary: %q %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "evil", strings.Repeat("f", 62))); err != nil || string(b) != "outside too" {
		t.Errorf("file behind a linked directory: %q %v", b, err)
	}
	if onDisk(link) || !onDisk(rec) || onDisk(objectPath(s, "stale orphan!")) || !onDisk(objectPath(s, "fresh orphan")) ||
		onDisk(filepath.Join(objects, "tmp", "put-old")) || !onDisk(filepath.Join(objects, "tmp", "put-new")) {
		t.Error("gc removed the wrong files")
	}
	_, _ = fresh, stale
	if f, _, err := s.OpenArtifact(ctx, r.ID, "a.bin"); err == nil {
		f.Close()
		t.Error("OpenArtifact opened a planted link")
	}
}

// TestGCRefusesLateClaims plays the race GC guards against: a write that
// found an object in place just before GC moved it aside tries to record its
// reference while the object is in the trash. refBlob checks the bytes are on
// disk inside the transaction, so the write is refused (the caller retries
// with its data) and no row ever points at bytes that are gone.
func TestGCRefusesLateClaims(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	if _, err := s.LogArtifact(ctx, r.ID, "a.bin", strings.NewReader("claimed")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteArtifacts(ctx, r.ID, "a.bin"); err != nil {
		t.Fatal(err)
	}
	b := Blob{Hash: "sha256:" + filepath.Base(filepath.Dir(objectPath(s, "claimed"))) + filepath.Base(objectPath(s, "claimed")), Size: 7}
	var claimErr error
	claimed := false
	rep, err := s.GC(ctx, GCOptions{Settle: time.Millisecond, Progress: func(p GCProgress) {
		if p.Phase != "orphans" || claimed {
			return
		}
		claimed = true
		if onDisk(objectPath(s, "claimed")) {
			t.Error("the unreferenced object was not moved aside before the orphan phase")
		}
		claimErr = s.write(ctx, func(tx *Tx) error {
			if err := tx.refBlob(b); err != nil {
				return err
			}
			_, err := tx.exec(`INSERT INTO artifacts (run_id, path, hash, size) SELECT id, 'b.bin', ?, 7 FROM runs WHERE uuid = ?`, b.Hash, r.ID)
			return err
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !claimed || !errors.Is(claimErr, ErrInvalidState) {
		t.Fatalf("late claim: ran %v, err %v; want ErrInvalidState", claimed, claimErr)
	}
	if rep.Restored != 0 || rep.Blobs != 1 {
		t.Errorf("report: %+v", rep)
	}
	if _, _, err := s.OpenArtifact(ctx, r.ID, "b.bin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused claim left an artifact: %v", err)
	}
	if onDisk(objectPath(s, "claimed")) {
		t.Error("the object gc took is back on disk with nothing referencing it")
	}
}

func TestDiskUsage(t *testing.T) {
	s, keep, gone, _ := gcFixture(t)
	u, err := s.DiskUsage(context.Background(), UsageOptions{Tables: true, TopRuns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if u.RunCount != 3 || len(u.Runs) != 2 || u.Runs[0].ID != gone.ID || u.Runs[0].ArtifactBytes != int64(12+30) ||
		u.Runs[0].MetricPoints != 25 || u.Runs[1].ID != keep.ID || u.Runs[1].ArtifactBytes != 12 {
		t.Errorf("runs: %+v", u.Runs)
	}
	if len(u.Experiments) != 1 || u.Experiments[0].Runs != 3 || u.Experiments[0].DeletedRuns != 2 || u.Experiments[0].MetricPoints != 33 {
		t.Errorf("experiments: %+v", u.Experiments)
	}
	if u.DBBytes == 0 || u.Blobs != 3 || u.ObjectFiles != 3 || u.ObjectsBytes != u.BlobBytes || len(u.Tables) == 0 {
		t.Errorf("usage: %+v", u)
	}
}

// TestGCInterruptedPutsObjectsBack: a GC stopped after moving objects aside
// puts them back; one left by a crashed GC long ago is swept by the next,
// which restores the objects a blob row names and removes the rest.
func TestGCInterruptedPutsObjectsBack(t *testing.T) {
	s := openTest(t)
	r, _ := s.CreateRun(context.Background(), RunCreate{})
	if _, err := s.LogArtifact(context.Background(), r.ID, "a.bin", strings.NewReader("unreferenced")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteArtifacts(context.Background(), r.ID, "a.bin"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.GC(ctx, GCOptions{Settle: time.Minute, Progress: func(p GCProgress) {
		if p.Phase == "orphans" {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || !onDisk(objectPath(s, "unreferenced")) {
		t.Fatalf("interrupted gc: %v, object home: %v", err, onDisk(objectPath(s, "unreferenced")))
	}

	// A crashed GC's trash: one object a row names (its home is empty), one
	// nobody names.
	if _, err := s.LogArtifact(context.Background(), r.ID, "b.bin", strings.NewReader("named")); err != nil {
		t.Fatal(err)
	}
	trash := filepath.Join(s.Dir(), ObjectsDir, gcTrashPrefix+"old", "blob")
	if err := os.MkdirAll(trash, 0o755); err != nil {
		t.Fatal(err)
	}
	named := objectPath(s, "named")
	if err := os.Rename(named, filepath.Join(trash, filepath.Base(filepath.Dir(named))+filepath.Base(named))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trash, strings.Repeat("0", 64)), []byte("nobody"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	_ = os.Chtimes(filepath.Dir(trash), old, old)
	rep, err := s.GC(context.Background(), GCOptions{Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	// The interrupted GC's object is an orphan now, young by its mtime: it
	// waits for OrphanAge like any unrecorded file.
	if !onDisk(named) || rep.Restored != 1 || rep.Blobs != 1 || onDisk(filepath.Dir(trash)) || !onDisk(objectPath(s, "unreferenced")) {
		t.Errorf("sweep of an old trash: %+v", rep)
	}
}

// TestGCKeepsRunsStillReferenced: a table that refers to runs without a
// cascade (as a later migration may add) keeps the run instead of failing.
func TestGCKeepsRunsStillReferenced(t *testing.T) {
	s, _, gone, _ := gcFixture(t)
	ctx := context.Background()
	err := s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`CREATE TABLE holds (run_id INTEGER REFERENCES runs(id))`); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO holds SELECT id FROM runs WHERE uuid = ?`, gone.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.GC(ctx, GCOptions{Settle: -1})
	if err != nil || rep.RunsPurged != 0 || len(rep.RunsKept) != 2 || len(rep.Problems) != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if f, _, err := s.OpenArtifact(ctx, gone.ID, "own/model.bin"); err != nil {
		t.Errorf("artifact of the kept run: %v", err)
	} else {
		f.Close()
	}
}

// A run hidden while its import is under way is not garbage.
func TestGCSkipsRunsBeingImported(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	if err := s.LogBatch(ctx, r.ID, Batch{Tags: []Tag{{TagImportIncomplete, "1"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunStage(ctx, r.ID, StageDeleted); err != nil {
		t.Fatal(err)
	}
	rep, err := s.GC(ctx, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RunsPurged != 0 {
		t.Fatalf("gc purged a run being imported: %+v", rep)
	}
	if _, err := s.GetRun(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
}

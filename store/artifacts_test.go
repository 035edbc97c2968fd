package store

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestArtifactsDedupReplaceDelete(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	if _, err := s.LogArtifact(ctx, r.ID, "model/weights.bin", strings.NewReader("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LogArtifact(ctx, r.ID, "copy.bin", strings.NewReader("abc")); err != nil {
		t.Fatal(err)
	}
	var blobs, refs int
	_ = s.ReadDB().QueryRow(`SELECT count(*), sum(refcount) FROM blobs`).Scan(&blobs, &refs)
	if blobs != 1 || refs != 2 {
		t.Fatalf("blobs=%d refs=%d, want one blob referenced twice", blobs, refs)
	}
	f, a, err := s.OpenArtifact(ctx, r.ID, "model/weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "abc" || a.Size != 3 {
		t.Fatalf("read %q %+v", b, a)
	}
	ls, err := s.ListArtifacts(ctx, r.ID, "")
	if err != nil || len(ls) != 2 || ls[0].Path != "copy.bin" || !ls[1].IsDir || ls[1].Path != "model" {
		t.Fatalf("list: %+v %v", ls, err)
	}
	if _, err := s.LogArtifact(ctx, r.ID, "model", strings.NewReader("x")); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("file over a directory: %v", err)
	}
	if _, err := s.LogArtifact(ctx, r.ID, "copy.bin/x", strings.NewReader("x")); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("directory over a file: %v", err)
	}
	if n, err := s.DeleteArtifacts(ctx, r.ID, "model"); err != nil || n != 1 {
		t.Fatalf("delete dir: %d %v", n, err)
	}
	_ = s.ReadDB().QueryRow(`SELECT sum(refcount) FROM blobs`).Scan(&refs)
	if refs != 1 {
		t.Fatalf("refs after delete = %d", refs)
	}
	// No temp files are left behind.
	left, _ := os.ReadDir(filepath.Join(s.Dir(), ObjectsDir, "tmp"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

func TestCleanArtifactPath(t *testing.T) {
	for _, ok := range []string{"a", "a/b.txt", "dir/", "model/MLmodel", "a b/c"} {
		if _, err := CleanArtifactPath(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/./b", `a\..\b`, "C:/x", "a//b", "a\x00b", "..", "a\nb"} {
		if _, err := CleanArtifactPath(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
}

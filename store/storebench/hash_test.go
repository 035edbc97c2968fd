package storebench

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

const hashFileSize = 256 << 20

// BenchmarkHash compares `lathe data add`'s hashing (store.HashFile: reads
// a file from the page cache while hashing) with the raw SHA-256 rate over
// the same bytes already in memory, in one run. The target is
// HashFile >= 90% of raw. Run: go test ./store/storebench -run XXX -bench Hash -benchtime 5x
func BenchmarkHash(b *testing.B) {
	buf := make([]byte, hashFileSize)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(buf); i += 8 {
		v := r.Uint64()
		for j := range 8 {
			buf[i+j] = byte(v >> (8 * j))
		}
	}
	path := filepath.Join(b.TempDir(), "data.bin")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("raw-sha256", func(b *testing.B) {
		b.SetBytes(hashFileSize)
		for b.Loop() {
			sha256.Sum256(buf)
		}
	})
	// The same rate with the input in cache-sized pieces, as HashFile hashes
	// it: the fairest "raw" figure.
	b.Run("raw-sha256-4MiB-pieces", func(b *testing.B) {
		b.SetBytes(hashFileSize)
		for b.Loop() {
			h := sha256.New()
			for off := 0; off < len(buf); off += 4 << 20 {
				h.Write(buf[off : off+4<<20])
			}
			h.Sum(nil)
		}
	})
	b.Run("HashFile", func(b *testing.B) {
		b.SetBytes(hashFileSize)
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := store.HashFile(context.Background(), f, nil); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

//go:build unix

package profile

import (
	"fmt"
	"syscall"
	"unsafe"
)

// allocChunk maps an anonymous chunk outside the Go heap, so that the
// garbage collector's headroom (GOGC) is not applied to the kept values:
// a 256 MB budget costs 256 MB of RSS, not 512. Untouched pages cost
// nothing, so a column that keeps few values uses few pages.
func allocChunk() ([]float64, error) {
	b, err := syscall.Mmap(-1, 0, chunkLen*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("profile: map value chunk: %w", err)
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&b[0])), chunkLen), nil
}

func freeChunk(c []float64) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&c[0])), chunkLen*8)
	_ = syscall.Munmap(b) // only fails for a bad address, which we never pass
}

//go:build !unix

package profile

func allocChunk() ([]float64, error) { return make([]float64, chunkLen), nil }

func freeChunk([]float64) {}

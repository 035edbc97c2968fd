// Package storebench holds the store's performance benchmarks (HTTP ingest
// against raw SQLite, search at scale, downsampled history). It has no
// non-test code; run with
//
//	go test ./store/storebench -run XXX -bench . -benchtime 1x
package storebench

// Package reliability holds crash and concurrency tests that drive the real
// lathe binary (built without -race) against one store: kill -9 during
// ingest, and several processes writing at once. It has no non-test code.
package reliability

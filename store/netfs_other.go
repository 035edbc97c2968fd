//go:build !linux

package store

func networkFS(string) (string, bool) { return "", false }

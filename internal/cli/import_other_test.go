//go:build !unix

package cli

import "testing"

func makeFIFO(t *testing.T, dir string) (string, bool) { return "", false }

func openForWAL(t *testing.T, path string) func() { return func() {} }

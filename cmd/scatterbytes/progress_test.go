package main

import (
	"bytes"
	"testing"
)

// A bar is for people at a terminal: anything else (a pipe, a log file, a
// buffer) gets nothing, so scripts and logs stay clean.
func TestProgressIsQuietOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	for _, p := range []*progress{newProgress(&buf, 100, "put"), newCountProgress(&buf, 10, "scanning blocks", "blocks")} {
		p.Set(5)
		p.Add(3)
		p.Done()
		p.Done()
	}
	var nilBar *progress
	nilBar.Set(1)
	nilBar.Done()
	if buf.Len() != 0 {
		t.Fatalf("wrote %q", buf.String())
	}
}

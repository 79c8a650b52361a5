// Package golden checks encodings against files in a package's testdata
// directory. Run a package's tests with -update to rewrite them; a format
// change should come with a new version, not just a new golden file.
// Only tests import it: it registers the -update flag.
package golden

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// Update rewrites golden files instead of checking them.
var Update = flag.Bool("update", false, "rewrite golden files in testdata")

// Check compares got with testdata/name (rewriting it first under -update).
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *Update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s changed (a format change needs a new version; run with -update if intended):\n got %s\nwant %s",
			name, show(got), show(want))
	}
}

// show prints text as text and anything else as hex.
func show(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' }) {
		return "\n" + string(b)
	}
	return "(hex) " + hex.EncodeToString(b)
}

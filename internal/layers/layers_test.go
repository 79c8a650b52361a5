package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImportGraph is the check itself, on the module as it is.
func TestImportGraph(t *testing.T) {
	pkgs := list(t, "./...")
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages; want the whole module", len(pkgs))
	}
	for _, v := range Check(pkgs) {
		t.Error(v)
	}
}

// TestBinaryLinksNoTesting: the production binary carries no test code.
func TestBinaryLinksNoTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}",
		Module+"/cmd/scatterbytes").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if slices.Contains(f[1:], "testing") {
			t.Errorf("the scatterbytes binary links testing through %s", f[0])
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkgs []Package
		want []string // substrings, one per violation
	}{
		{"sound", []Package{
			{"store/disk", []string{"store", "internal/directio"}},
			{"p2p/shard", []string{"p2p/chunk", "store", "p2p/erasure"}},
			{"client", []string{"p2p/shard", "client/stream"}},
			{"p2p/coordinator", []string{"payments", "p2p/node"}},
			{"cmd/scatterbytes", []string{"internal/harness/testnet", "client"}},
			{"internal/harness/nettest", []string{"internal/golden"}},
		}, nil},
		{"store imports p2p", []Package{{"store/disk", []string{"p2p/chunk"}}},
			[]string{"store/disk (layer 1, store) imports p2p/chunk (layer 2, wire)"}},
		{"shard layer imports client", []Package{{"p2p/shard", []string{"client/manifest"}}},
			[]string{"p2p/shard (layer 2, wire) imports client/manifest (layer 3, library)"}},
		{"payments imports client", []Package{{"payments/ledger", []string{"client"}}},
			[]string{"payments/ledger imports client: the coordinator pays"}},
		{"a helper imports the store", []Package{{"internal/wait", []string{"store"}}},
			[]string{"internal/wait (layer 0, helpers) imports store (layer 1, store)"}},
		{"a role imports the harness", []Package{{"p2p/storage", []string{"internal/harness/testnet"}}},
			[]string{"p2p/storage (layer 4, roles) imports internal/harness/testnet (layer 5, harness)"}},
		{"a program links a test helper", []Package{{"cmd/scatterbytes", []string{"store/storetest"}}},
			[]string{"cmd/scatterbytes imports store/storetest, which is for tests only"}},
		{"an unplaced package", []Package{{"util", nil}}, []string{"util: no layer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.pkgs)
			if len(got) != len(tc.want) {
				t.Fatalf("Check = %q, want %d violations like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

// list runs `go list -json` on patterns and keeps the module's packages
// and, of their imports, the module's.
func list(t *testing.T, patterns ...string) []Package {
	t.Helper()
	touchSources(t, "../..")
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Imports,Error"}, patterns...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		if rel, ok := relative(p.ImportPath); ok {
			pkg := Package{Path: rel}
			for _, imp := range p.Imports {
				if r, ok := relative(imp); ok {
					pkg.Imports = append(pkg.Imports, r)
				}
			}
			pkgs = append(pkgs, pkg)
		}
	}
	return pkgs
}

func relative(path string) (string, bool) {
	if rel, ok := strings.CutPrefix(path, Module+"/"); ok {
		return rel, true
	}
	return "", false
}

// touchSources stats every Go file and go.mod under root. The graph comes
// from a `go list` child process, whose reads the test cache cannot see:
// without this a cached pass would hide an import added since.
func touchSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root:
			return filepath.SkipDir
		case d.IsDir() || strings.HasSuffix(path, ".go") || d.Name() == "go.mod":
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

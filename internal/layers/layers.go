package layers

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the import path of ScatterBytes' module.
const Module = "github.com/scatterbytes/scatterbytes"

// Layer numbers, bottom up.
const (
	Helpers  = 0
	Store    = 1
	Wire     = 2
	Library  = 3
	Roles    = 4
	Harness  = 5
	Programs = 6
)

// Names are the layers' names, for messages.
var Names = [...]string{"helpers", "store", "wire", "library", "roles", "harness", "programs"}

// Table places packages by path prefix (relative to Module); the longest
// prefix that matches a package wins. A prefix matches a package path when
// it equals it or is followed by a slash.
var Table = map[string]int{
	"internal":         Helpers,
	"third_party":      Helpers,
	"store":            Store,
	"p2p":              Wire,
	"p2p/proof":        Wire, // beacons, commitments, proofs: read by both roles, imports no role
	"client":           Library,
	"payments":         Library,
	"p2p/storage":      Roles,
	"p2p/coordinator":  Roles,
	"internal/harness": Harness,
	"internal/layers":  Harness, // reads the graph; imports nothing of ours
	"cmd":              Programs,
	"examples":         Programs,
}

// Forbidden are arrows refused whatever the layers say: from a prefix to
// a prefix, with the reason.
var Forbidden = []Arrow{
	{From: "payments", To: "client", Why: "the coordinator pays for ciphertext and never sees a file key"},
}

// Arrow is a forbidden import between two path prefixes.
type Arrow struct{ From, To, Why string }

// TestOnly are packages made for tests (they import testing); no program
// may link them.
var TestOnly = []string{"internal/golden", "internal/harness/nettest", "internal/harness/clienttest", "store/storetest"}

// Package is what the check needs of one package: its path relative to
// Module and the module's packages it imports (also relative).
type Package struct {
	Path    string
	Imports []string
}

// Of returns the layer of a package path relative to Module.
func Of(path string) (int, bool) {
	best, layer := -1, 0
	for prefix, l := range Table {
		if matches(prefix, path) && len(prefix) > best {
			best, layer = len(prefix), l
		}
	}
	return layer, best >= 0
}

func matches(prefix, path string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// Check returns one line per violation in pkgs: a package the table does
// not place, an import of a higher layer, a forbidden arrow. It is sorted
// and empty when the graph is sound.
func Check(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := Of(p.Path)
		if !ok {
			out = append(out, fmt.Sprintf("%s: no layer: add it to layers.Table", p.Path))
			continue
		}
		for _, imp := range p.Imports {
			out = append(out, checkArrow(p.Path, from, imp)...)
		}
	}
	sort.Strings(out)
	return out
}

func checkArrow(path string, from int, imp string) []string {
	var out []string
	if to, ok := Of(imp); ok && to > from {
		out = append(out, fmt.Sprintf("%s (layer %d, %s) imports %s (layer %d, %s)",
			path, from, Names[from], imp, to, Names[to]))
	}
	for _, a := range Forbidden {
		if matches(a.From, path) && matches(a.To, imp) {
			out = append(out, fmt.Sprintf("%s imports %s: %s", path, imp, a.Why))
		}
	}
	for _, t := range TestOnly {
		if matches(t, imp) && !isTestOnly(path) {
			out = append(out, fmt.Sprintf("%s imports %s, which is for tests only", path, imp))
		}
	}
	return out
}

func isTestOnly(path string) bool {
	for _, t := range TestOnly {
		if matches(t, path) {
			return true
		}
	}
	return false
}

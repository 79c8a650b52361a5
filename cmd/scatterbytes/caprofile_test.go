package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// TestCAProfileWritesAJoinableProfile: `ca init` then `ca profile
// --bootstrap` writes a profile that parses, carries the CA and the
// bootstrap address; bad input gets one line and writes nothing.
func TestCAProfileWritesAJoinableProfile(t *testing.T) {
	dir := t.TempDir()
	c := cli{t: t, ctx: t.Context(), network: filepath.Join(dir, "unused.json"), dir: dir}
	c.must("ca", "init", "--name", "lab")
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	boot := "/ip4/10.0.0.1/tcp/4001/p2p/" + k.PeerID().String()
	out := c.must("ca", "profile", "--bootstrap", boot, "--epoch", "5s", "--coordinator", k.PeerID().String())
	p, err := profile.Parse([]byte(out))
	if err != nil {
		t.Fatalf("profile does not parse: %v\n%s", err, out)
	}
	if p.Name != "lab" || len(p.Bootstrap) != 1 || p.Bootstrap[0] != boot || p.CoordinatorID() != k.PeerID() {
		t.Fatalf("profile %+v", p)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if p.CA != string(caPEM) {
		t.Fatal("profile's CA is not the CA's certificate")
	}

	file := filepath.Join(dir, "network.json")
	c.must("ca", "profile", "--bootstrap", boot, "-o", file)
	if _, err := profile.Load(file); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no bootstrap", nil, "no --bootstrap"},
		{"no peer ID", []string{"--bootstrap", "/ip4/10.0.0.1/tcp/4001"}, "bootstrap"},
		{"bad coordinator", []string{"--bootstrap", boot, "--coordinator", "nope"}, "not a peer ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".json")
			_, err := c.run(append([]string{"ca", "profile", "-o", out}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a refused profile was written")
			}
		})
	}
}

func TestIDAddrsBeforeTheNodeRan(t *testing.T) {
	dir := t.TempDir()
	c := cli{t: t, ctx: t.Context(), network: filepath.Join(dir, "unused.json"), dir: dir}
	c.must("init")
	if _, err := c.run("id", "--addrs"); err == nil || !strings.Contains(err.Error(), "node run") {
		t.Fatalf("id --addrs before any run: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, AddrsFile), []byte("/ip4/10.0.0.2/tcp/4001/p2p/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := c.must("id", "--addrs"); out != "/ip4/10.0.0.2/tcp/4001/p2p/x\n" {
		t.Fatalf("id --addrs printed %q", out)
	}
}

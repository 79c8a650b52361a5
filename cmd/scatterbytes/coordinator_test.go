package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCoordinatorInitRunAndEnrol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	coord := filepath.Join(dir, "coordinator")
	out, err := exec.Command(bin, "--dir", coord, "coordinator", "init", "--name", "cli-test", "--epoch", "5s").CombinedOutput()
	if err != nil {
		t.Fatalf("coordinator init: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^peer ID:\s+(\S+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("coordinator init printed no peer ID:\n%s", out)
	}
	id := string(m[1])
	if out, err := exec.Command(bin, "--dir", coord, "coordinator", "init").CombinedOutput(); err == nil {
		t.Fatalf("a second coordinator init succeeded:\n%s", out)
	}

	// Flags through the environment, as a user of a service manager would.
	env := append(os.Environ(), "SCATTERBYTES_DIR="+coord, "SCATTERBYTES_IP=127.0.0.1", "SCATTERBYTES_PORT=0")
	runLine := regexp.MustCompile(`^coordinator (\S+) on network "cli-test"`)
	c := start(t, env, bin, "coordinator", "run", "--log-level", "warn")
	if got := c.waitLine(t, runLine, 30*time.Second)[1]; got != id {
		t.Fatalf("coordinator runs as %s, init made %s", got, id)
	}
	prof := c.waitLine(t, regexp.MustCompile(`^profile: (.+)$`), 10*time.Second)[1]
	if b, err := os.ReadFile(prof); err != nil || !strings.Contains(string(b), "/p2p/"+id) {
		t.Fatalf("profile %s does not list the coordinator as bootstrap (%v):\n%s", prof, err, b)
	}

	nodeDir := filepath.Join(dir, "node")
	if out, err := exec.Command(bin, "--network", prof, "--dir", nodeDir, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	n := start(t, nil, bin, "--network", prof, "--dir", nodeDir, "node", "run", "--ip", "127.0.0.1", "--port", "0")
	n.waitLine(t, regexp.MustCompile(`msg="routing table" peers=1`), 30*time.Second)
	n.stop(t)
	c.stop(t)

	again := start(t, env, bin, "coordinator", "run", "--log-level", "warn")
	if got := again.waitLine(t, runLine, 30*time.Second)[1]; got != id {
		t.Fatalf("coordinator restarted as %s, want %s", got, id)
	}
	again.stop(t)
}

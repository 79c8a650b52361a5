package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
)

// runDemoBinary runs `scatterbytes demo` with args in a testnet directory
// of the test's and checks that it passed, every step printed, and that
// no process of its testnet is left.
func runDemoBinary(t *testing.T, steps []string, args ...string) string {
	t.Helper()
	bin := buildBinary(t)
	tn := filepath.Join(t.TempDir(), "demo")
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, append([]string{"demo", "--demo-dir", tn, "--keep"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = testProcAttr() // dies with the test, and its testnet with it
	t0 := time.Now()
	err := cmd.Run()
	t.Logf("demo %s in %v:\n%s", strings.Join(args, " "), time.Since(t0).Round(time.Millisecond), out.String())
	if err != nil {
		logTails(t, tn)
		t.Fatalf("demo: %v\n%s", err, errb.String())
	}
	for _, s := range steps {
		if !regexp.MustCompile(`(?m)^` + s + ` +\S`).MatchString(out.String()) {
			t.Errorf("demo printed no %q step", s)
		}
	}
	if !strings.Contains(out.String(), "demo passed in") {
		t.Errorf("demo did not say it passed")
	}
	st, err := procnet.ReadState(tn)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Procs {
		if p.Alive() {
			t.Errorf("%s (pid %d) still runs after the demo", p.Name, p.PID)
		}
	}
	return out.String()
}

// TestDemo: the README's main job passes on a fresh testnet.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	runDemoBinary(t, []string{"network", "put", "proofs", "kill", "get", "repair", "stop"})
}

// TestDemoBtc: with --btc the demo also sees a payout confirmed.
func TestDemoBtc(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and btcd")
	}
	runDemoBinary(t, []string{"network", "put", "proofs", "kill", "get", "repair", "payout", "stop"}, "--btc")
}

// TestDemoRefusesTooFewNodes: a demo that cannot show repair is refused
// up front, as a usage error.
func TestDemoRefusesTooFewNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "demo", "--nodes", "6").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "--nodes 6: the demo needs at least 7") {
		t.Fatalf("demo --nodes 6: %v, %q; want exit status 2 and why", err, out)
	}
}

// logTails logs the last lines of every process's log in the testnet dir,
// to tell why a run failed.
func logTails(t *testing.T, dir string) {
	t.Helper()
	st, err := procnet.ReadState(dir)
	if err != nil {
		t.Logf("no state to find the logs: %v", err)
		return
	}
	logs := []string{filepath.Join(st.Dir, "client.log")}
	for _, p := range st.Procs {
		logs = append(logs, p.Log)
	}
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		t.Logf("last lines of %s:\n%s", l, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// buildBinary builds the scatterbytes command once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "scatterbytes")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a started subprocess in its own process group whose output lines
// can be waited for.
type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	seen  chan struct{} // signalled on every line
	done  chan error
}

func start(t *testing.T, env []string, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, seen: make(chan struct{}, 1), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.seen <- struct{}{}:
			default:
			}
		}
	}()
	go func() { err := cmd.Wait(); pw.Close(); p.done <- err }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	return p
}

// waitLine waits for a line matching re and returns its submatches.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp, d time.Duration) []string {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if m := re.FindStringSubmatch(p.lines[i]); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
		select {
		case <-p.seen:
		case <-deadline.C:
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("no line matching %q within %v; output:\n%s", re, d, fmt.Sprint(p.lines))
		}
	}
}

// stop sends SIGINT and checks that the process exits cleanly and leaves no
// process of its group behind.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	pgid := p.cmd.Process.Pid
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		if err != nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("%s exited with %v; output:\n%s", p.cmd.Args[1:], err, strings.Join(p.lines, "\n"))
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop on SIGINT", p.cmd.Args[1:])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for syscall.Kill(-pgid, 0) == nil {
		select {
		case <-ctx.Done():
			t.Fatalf("processes of group %d still running after SIGINT", pgid)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process group %d: %v", pgid, err)
	}
}

func TestTestnetUpAndJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	tn := filepath.Join(dir, "tn")
	up := start(t, nil, bin, "testnet", "up", "--nodes", "5", "--testnet-dir", tn, "--log-level", "warn")
	up.waitLine(t, regexp.MustCompile(`^testnet up: coordinator and 5 nodes ready`), 60*time.Second)

	sixth := filepath.Join(dir, "sixth")
	profile := filepath.Join(tn, "network.json")
	out, err := exec.Command(bin, "--network", profile, "--dir", sixth, "init").CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// Flags through the environment, as a user of a service manager would.
	env := append(os.Environ(), "SCATTERBYTES_NETWORK="+profile, "SCATTERBYTES_DIR="+sixth)
	n := start(t, env, bin, "node", "run", "--ip", "127.0.0.1", "--port", "0")
	m := n.waitLine(t, regexp.MustCompile(`msg="routing table" peers=([6-9])`), 30*time.Second)
	if k, _ := strconv.Atoi(m[1]); k < 6 {
		t.Fatalf("sixth node routes to %d peers, want 6", k)
	}
	n.stop(t)
	up.stop(t)
}

// TestTestnetUpBtc: `testnet up --btc` pays its nodes on the regtest chain
// (a payout confirms and `testnet payouts` shows it), and neither Ctrl-C
// nor a SIGKILL of the testnet leaves btcd running.
func TestTestnetUpBtc(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and btcd")
	}
	bin := buildBinary(t)
	tn := filepath.Join(t.TempDir(), "tn")
	t0 := time.Now()
	up := start(t, nil, bin, "testnet", "up", "--btc", "--testnet-dir", tn, "--log-level", "warn",
		"--epoch", "1s", "--payout-interval", "3s", "--block-every", "1s")
	up.waitLine(t, regexp.MustCompile(`^bitcoin: +btcd v0\.25\.0 regtest, RPC http://127\.0\.0\.1:\d+`), 120*time.Second)
	if n := groupProcs(t, up.cmd.Process.Pid, "btcd"); n != 1 {
		t.Fatalf("%d btcd processes in the testnet's group, want 1", n)
	}
	m := up.waitLine(t, regexp.MustCompile(`^payout (\d+) confirmed in block (\d+): txid ([0-9a-f]{64})$`), 90*time.Second)
	t.Logf("first payout confirmed %v after the start", time.Since(t0).Round(time.Second))
	out, err := exec.Command(bin, "testnet", "payouts", "--testnet-dir", tn).CombinedOutput()
	if err != nil || !strings.Contains(string(out), m[3]) || !strings.Contains(string(out), "confirmed") {
		t.Fatalf("testnet payouts: %v\n%s\nwant payout %s confirmed", err, out, m[3])
	}
	pgid := up.cmd.Process.Pid
	if out, err := exec.Command(bin, "testnet", "down", "--testnet-dir", tn).CombinedOutput(); err != nil {
		t.Fatalf("testnet down: %v\n%s", err, out)
	}
	if err := <-up.done; err != nil {
		t.Fatalf("testnet up after testnet down: %v", err)
	}
	if n := groupProcs(t, pgid, ""); n != 0 {
		t.Fatalf("%d processes of the testnet's group left after testnet down (btcd)", n)
	}

	// Killed hard, the testnet takes btcd with it.
	kill := start(t, nil, bin, "testnet", "up", "--btc", "--nodes", "2", "--check=false", "--testnet-dir", tn, "--log-level", "warn")
	kill.waitLine(t, regexp.MustCompile(`^Ctrl-C .*stops the network`), 120*time.Second)
	pid := kill.cmd.Process.Pid
	if n := groupProcs(t, pid, "btcd"); n != 1 {
		t.Fatalf("%d btcd processes in the testnet's group, want 1", n)
	}
	syscall.Kill(pid, syscall.SIGKILL) // the testnet only, not its group
	<-kill.done
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = wait.For(ctx, func() error {
		if n := groupProcs(t, pid, ""); n > 0 {
			return fmt.Errorf("%d processes of the killed testnet's group (btcd) still run", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// groupProcs counts the live processes of process group pgid named comm
// ("" counts every one), from /proc.
func groupProcs(t *testing.T, pgid int, comm string) int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(dirs) == 0 {
		t.Skip("no /proc")
	}
	n := 0
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(s[close+1:])
		if len(fields) < 3 || fields[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(fields[2]); g == pgid && (comm == "" || s[open+1:close] == comm) {
			n++
		}
	}
	return n
}

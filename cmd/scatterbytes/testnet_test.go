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

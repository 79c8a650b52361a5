package procnet

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFind(t *testing.T) {
	s := &State{Procs: []Proc{
		{Role: RoleCoordinator, Name: "coordinator", PID: 100, Peer: "12D3KooWCoord"},
		{Role: RoleNode, Name: "node03", PID: 103, Peer: "12D3KooWThree"},
		{Role: RoleNode, Name: "node12", PID: 112, Peer: "12D3KooWTwelve"},
	}}
	for _, tc := range []struct{ name, query, want string }{
		{"by name", "node03", "node03"},
		{"by number", "3", "node03"},
		{"by two-digit number", "12", "node12"},
		{"by peer", "12D3KooWTwelve", "node12"},
		{"by pid", "103", "node03"},
		{"the coordinator", "coordinator", "coordinator"},
		{"unknown", "node04", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Find(tc.query)
			switch {
			case tc.want == "" && err == nil:
				t.Fatalf("Find(%q) = %s, want an error", tc.query, p.Name)
			case tc.want != "" && (err != nil || p.Name != tc.want):
				t.Fatalf("Find(%q) = %v, %v; want %s", tc.query, p, err, tc.want)
			}
		})
	}
}

// TestAlive: a process is alive only while it runs with its directory on
// its command line; a PID that another program holds is not it.
func TestAlive(t *testing.T) {
	dir := t.TempDir()
	// This test binary, blocking in TestHelperProcess, with the
	// directory on its command line.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", dir)
	cmd.Env = append(os.Environ(), "PROCNET_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Read(make([]byte, 1)); err != nil { // it runs
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := Proc{Name: "node01", PID: cmd.Process.Pid, Dir: dir}
	if !p.Alive() {
		t.Fatal("a running child is not alive")
	}
	if other := (Proc{Name: "node02", PID: cmd.Process.Pid, Dir: dir + "-other"}); other.Alive() {
		t.Fatal("a PID running another command line counts as the child")
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if p.Alive() {
		t.Fatal("a killed child is alive")
	}
	if err := p.Kill(); err == nil {
		t.Fatal("killing a dead child succeeded")
	}
	if (&Proc{PID: os.Getpid(), Dir: dir}).Alive() {
		t.Fatal("the test process counts as the child")
	}
}

// TestHelperProcess blocks until killed, as TestAlive's child.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PROCNET_HELPER") != "1" {
		t.Skip("TestAlive's child")
	}
	os.Stdout.Write([]byte("r"))
	time.Sleep(time.Hour) // killed by TestAlive long before
}

// TestStartRefusesAForeignDirectory: a testnet directory is emptied
// first, so one holding anything but a testnet is refused untouched.
func TestStartRefusesAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(keep, []byte("years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), DefaultConfig(dir, "/nonexistent/scatterbytes"))
	if err == nil || !strings.Contains(err.Error(), "holds no testnet") {
		t.Fatalf("Start in a directory of other files: %v, want a refusal", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the refused directory lost its file: %v", err)
	}
}

// TestPollStopsOnFinal: a final error (a child exited) ends the wait at
// once; another is retried until the context ends.
func TestPollStopsOnFinal(t *testing.T) {
	calls := 0
	err := poll(t.Context(), time.Millisecond, func() error {
		calls++
		return final{errors.New("node01 exited while starting")}
	})
	if calls != 1 || err == nil || err.Error() != "node01 exited while starting" {
		t.Fatalf("poll with a final error: %d calls, %v", calls, err)
	}
	calls = 0
	err = poll(t.Context(), time.Millisecond, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("poll: %d calls, %v; want nil after 3", calls, err)
	}
}

// TestLastError: a child's failure is told by the last line its main
// printed, else by where its log is.
func TestLastError(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "node01", "node.log")
	os.MkdirAll(filepath.Dir(log), 0o700)
	os.WriteFile(log, []byte("time=... level=INFO msg=starting\nscatterbytes: open chunk store: capacity 0\n"), 0o600)
	if got := lastError(log); got != ": scatterbytes: open chunk store: capacity 0" {
		t.Fatalf("lastError = %q", got)
	}
	os.WriteFile(log, []byte("panic: boom\n"), 0o600)
	if got := lastError(log); got != " (see node01/node.log)" {
		t.Fatalf("lastError without a message = %q", got)
	}
}

package netns_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/netns"
	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// bin is the scatterbytes binary TestMain builds, without -race: the
// test runs it as a user would, six processes at once on two cores.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "netns-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "scatterbytes")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/scatterbytes/scatterbytes/cmd/scatterbytes").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// host is one namespace of the lab with the ScatterBytes directory of the
// party running in it.
type host struct {
	t   *testing.T
	lab *netns.Lab
	ns  string
	ip  string
	dir string
	env []string
}

// run runs scatterbytes in the host's namespace and returns its standard
// output; it fails the test on an error.
func (h *host) run(ctx context.Context, args ...string) string {
	h.t.Helper()
	out, err := h.try(ctx, args...)
	if err != nil {
		h.t.Fatalf("%s: scatterbytes %s: %v", h.ns, strings.Join(args, " "), err)
	}
	return out
}

func (h *host) try(ctx context.Context, args ...string) (string, error) {
	cmd := h.lab.Command(h.ns, bin, append([]string{"--dir", h.dir}, args...)...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := runCtx(ctx, cmd); err != nil {
		return stdout.String(), fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return stdout.String(), nil
}

func runCtx(ctx context.Context, cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return ctx.Err()
	}
}

// daemon is a long-running scatterbytes process whose output lines the
// test can wait for; t.Cleanup stops it.
type daemon struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func (h *host) start(args ...string) *daemon {
	h.t.Helper()
	cmd := h.lab.Command(h.ns, bin, append([]string{"--dir", h.dir}, args...)...)
	cmd.Env = h.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
		}
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		close(d.done)
	}()
	h.t.Cleanup(func() {
		d.stop()
		if h.t.Failed() {
			h.t.Logf("%s %s output:\n%s", h.ns, strings.Join(args, " "), d.output())
		}
	})
	return d
}

// stop ends the process with SIGTERM (SIGKILL after 10 s) and waits for it.
func (d *daemon) stop() {
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

func (d *daemon) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.lines, "\n")
}

// line waits for an output line containing s and returns it.
func (d *daemon) line(ctx context.Context, s string) (string, error) {
	var found string
	exited := false
	err := wait.For(ctx, func() error {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, l := range d.lines {
			if strings.Contains(l, s) {
				found = l
				return nil
			}
		}
		select {
		case <-d.done:
			exited = true
			return nil
		default:
		}
		return fmt.Errorf("no line with %q yet", s)
	})
	if err == nil && exited {
		err = fmt.Errorf("exited before printing %q:\n%s", s, d.output())
	}
	return found, err
}

// throttle makes a condition that starts a process run at most every
// quarter second, however often wait.For asks.
func throttle(cond func() error) func() error {
	var last time.Time
	var err error = errors.New("not asked yet")
	return func() error {
		if time.Since(last) < 250*time.Millisecond {
			return err
		}
		last = time.Now()
		err = cond()
		return err
	}
}

// chunkFiles counts the chunk files a storage node's store holds.
func chunkFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "chunks", "chunks"), func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

// TestJoinAcrossHostsAndNAT: a coordinator, three storage nodes and a
// client on a LAN, and a fourth node behind a masquerading NAT, each in
// its own network namespace, started as a new user would: the
// coordinator writes the profile, every node joins with nothing but that
// file, enrols and proves; the client stores a file and reads it back,
// also after a node that holds a shard is stopped. The node behind the
// NAT either stores and serves its chunks or gets none.
func TestJoinAcrossHostsAndNAT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lab, err := netns.New(ctx, fmt.Sprintf("sbt%d", os.Getpid()%100000))
	if errors.Is(err, netns.ErrUnavailable) {
		t.Skipf("cannot create network namespaces here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Close(); err != nil {
			t.Error(err)
		}
	})
	work := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "SCATTERBYTES_PASSPHRASE="}
	newHost := func(name string, addr int, nat bool) *host {
		t.Helper()
		add := lab.AddHost
		if nat {
			add = lab.AddNATHost
		}
		ns, ip, err := add(ctx, name, addr)
		if err != nil {
			t.Fatal(err)
		}
		return &host{t: t, lab: lab, ns: ns, ip: ip, dir: filepath.Join(work, name), env: env}
	}
	coord := newHost("coord", 1, false)
	var nodes []*host
	for i := range 3 {
		nodes = append(nodes, newHost(fmt.Sprintf("node%d", i+1), i+2, false))
	}
	natted := newHost("natted", 2, true)
	nodes = append(nodes, natted)
	cl := newHost("client", 10, false)
	profile := filepath.Join(work, "network.json")

	// The coordinator: init, run, and the profile it writes.
	coord.run(ctx, "coordinator", "init", "--name", "lab", "--epoch", "2s", "--redundancy", "2+1")
	cd := coord.start("coordinator", "run", "--port", "4000", "--profile-out", profile, "--dashboard", "")
	if _, err := cd.line(ctx, "profile: "); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	var prof struct{ Bootstrap []string }
	if err := json.Unmarshal(b, &prof); err != nil {
		t.Fatal(err)
	}
	want := "/ip4/" + coord.ip + "/tcp/4000/p2p/"
	if len(prof.Bootstrap) != 1 || !strings.HasPrefix(prof.Bootstrap[0], want) {
		t.Fatalf("profile's bootstrap list %v, want one %s... address", prof.Bootstrap, want)
	}
	if out := coord.run(ctx, "id", "--addrs"); !strings.HasPrefix(out, want) {
		t.Fatalf("id --addrs printed\n%s\nwant the LAN address first", out)
	}

	// The nodes join with the profile alone.
	ids := map[string]*host{}
	var daemons []*daemon
	for _, n := range nodes {
		n.run(ctx, "--network", profile, "init")
		ids[strings.TrimSpace(n.run(ctx, "id"))] = n
		daemons = append(daemons, n.start("--network", profile, "node", "run", "--port", "4001", "--dashboard", "", "--capacity", "1073741824"))
	}
	err = wait.For(ctx, throttle(func() error {
		out, err := coord.try(ctx, "coordinator", "nodes", "--json")
		if err != nil {
			return err
		}
		var views []struct{ Peer string }
		if err := json.Unmarshal([]byte(out), &views); err != nil {
			return err
		}
		proven := 0
		for _, v := range views {
			if ids[v.Peer] != nil {
				proven++
			}
		}
		if proven < len(nodes) {
			return fmt.Errorf("%d of %d nodes have proven to the coordinator", proven, len(nodes))
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}

	// A client on the LAN stores a file and reads it back.
	cl.run(ctx, "--network", profile, "init", "--role", "client")
	data := make([]byte, 3<<20)
	rand.Read(data)
	in := filepath.Join(work, "in.bin")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	cl.run(ctx, "--network", profile, "put", in, "--name", "f")
	t.Logf("put of 3 MiB from a fresh client: %v", time.Since(began).Round(time.Millisecond))
	get := func(what string) {
		t.Helper()
		out := filepath.Join(work, what+".bin")
		cl.run(ctx, "--network", profile, "get", "f", out)
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: read back %d bytes that differ from the %d stored", what, len(got), len(data))
		}
	}
	get("first read")

	// Four shards need the node behind the NAT, which the client cannot
	// dial: the put fails and names it.
	nattedID := strings.TrimSpace(natted.run(ctx, "id"))
	_, err = cl.try(ctx, "--network", profile, "put", in, "--name", "g", "--redundancy", "3+1")
	if err == nil || !strings.Contains(err.Error(), "unreachable: "+nattedID) {
		t.Errorf("a put that needs the node behind the NAT: %v; want it named unreachable", err)
	} else {
		t.Logf("a put that needs the node behind the NAT: %s", strings.TrimSpace(err.Error()))
	}
	var holder *daemon
	for i, n := range nodes {
		held := chunkFiles(t, n.dir)
		t.Logf("%s (%s) holds %d chunks", n.ns, n.ip, held)
		if held > 0 && holder == nil {
			holder = daemons[i]
		}
	}
	// No client can dial the node behind the NAT: chunks put there
	// could be served only to peers it dialled itself.
	if n := chunkFiles(t, natted.dir); n > 0 {
		t.Errorf("the node behind the NAT, which no client can dial, was given %d chunks", n)
	}
	if holder == nil {
		t.Fatal("no node holds a chunk")
	}
	holder.stop()
	get("read with a holder stopped")

	// A node that starts while the coordinator is down says so and keeps
	// trying; it enrols once the coordinator is back.
	cd.stop()
	late := newHost("late", 5, false)
	late.run(ctx, "--network", profile, "init")
	ld := late.start("--network", profile, "node", "run", "--port", "4001", "--dashboard", "")
	if _, err := ld.line(ctx, "retrying in 2s"); err != nil {
		t.Fatalf("a node started with its coordinator down: %v", err)
	}
	if l, _ := ld.line(ctx, "cannot reach the network coordinator"); !strings.Contains(l, coord.ip) {
		t.Errorf("the retry line does not name the coordinator's address: %s", l)
	} else {
		t.Logf("a node started with its coordinator down: %s", l)
	}
	cd = coord.start("coordinator", "run", "--port", "4000", "--dashboard", "")
	if _, err := ld.line(ctx, "on network \"lab\""); err != nil {
		t.Fatalf("the node did not enrol once the coordinator was back: %v", err)
	}
}

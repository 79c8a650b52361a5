package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestErrorMessages holds what a person sees when a command fails: the
// line on stderr and the exit status, for errors made up here and for
// commands the built binary runs against an in-process network.
func TestErrorMessages(t *testing.T) {
	var out bytes.Buffer
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"interrupted", fmt.Errorf("%w: run the same put again to resume where it stopped (context canceled)", errInterrupted)},
		{"no identity key", fmt.Errorf("load key: %w", identity.ErrNoKey)},
		{"usage", usageError{errors.New("--redundancy: bad")}},
		{"nodes out of space", fmt.Errorf("put stripe 3: %w (%w): 0 of 6 with room for 1048576 bytes, 6 needed", client.ErrNotEnoughNodes, client.ErrNoSpace)},
		{"no peers", fmt.Errorf("open manifest x: %w", fmt.Errorf("%w: %w (context deadline exceeded)", client.ErrNotEnoughNodes, client.ErrNoPeers))},
		{"enrolment refused", fmt.Errorf("%w; %w: %w", node.ErrNoCert, client.ErrEnrol, fmt.Errorf("%w by x: the network is closed", enroll.ErrRefused))},
		{"put left unfinished", unfinishedError{fmt.Errorf("stripe 1: %w (%w)", client.ErrNotEnoughNodes, client.ErrNoSpace), "photos", "Tom's trip.mov"}},
		{"too few nodes", fmt.Errorf("put stripe 0: %w: 3 found, 6 needed", client.ErrNotEnoughNodes)},
		{"no manifest", fmt.Errorf("open manifest x: fetch chunk 0 (x): %w: fetch chunk x: no holder found", client.ErrNoManifest)},
		{"exit: too few nodes", fmt.Errorf("%w: hand over chunks of the stripe of x, passing over the 5 other nodes that hold a part of it: %w: 0 with room for 262144 bytes found, 1 needed", errExitTooFewNodes, client.ErrNotEnoughNodes)},
		{"exit: not handed over", fmt.Errorf("%w: 2 chunks have no holder that proved them by epoch 9, after 3 rounds", storage.ErrNotHandedOver)},
		{"exit: node running", nodeRunning("/srv/sb", errors.New("store directory in use"))},
	} {
		fmt.Fprintf(&out, "## %s\nexit %d\n%s\n\n", tc.name, exitCode(tc.err, false), humanError(tc.err))
	}
	golden.Check(t, "messages.golden", out.Bytes())
}

// TestErrorMessagesEndToEnd runs the built binary as a new user would.
func TestErrorMessagesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	// Room for one 4 MiB shard a node: a 32 MiB put stores a stripe or
	// so, then finds the nodes out of space.
	network := nettest.NewWith(t, testclient.WithStorage(testnet.Options{Nodes: 6, Capacity: 4<<20 + 64<<10}))
	work := t.TempDir()
	prof := filepath.Join(work, "net.json")
	if err := network.Profile.Save(prof); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(work, "big.bin"), 32<<20)
	mustWrite(t, filepath.Join(work, "small.bin"), 1000)
	mustWrite(t, filepath.Join(work, "bad.json"), 0)
	if err := os.Mkdir(filepath.Join(work, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// run runs the binary and returns what it wrote to stderr (and, with
	// stdout, to stdout first) and its exit status.
	run := func(stdout bool, args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), passphraseEnv+"=", "SCATTERBYTES_NETWORK="+prof,
			"SCATTERBYTES_DIR="+filepath.Join(work, "client"), "SCATTERBYTES_LOG_LEVEL=error")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if stdout {
			cmd.Stdout = &stderr
		}
		err := cmd.Run()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(stderr.String(), work, "$WORK"), code
	}
	if msg, code := run(false, "init", "--role", "client"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, msg)
	}
	held, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)
	nodePort := tcpPort(t, network.Peer(1).Node().Host().Addrs())
	nothing := manifest.Ref{Manifest: store.Sum([]byte("never stored")), Key: keys.NewFileKey()}.Encode()
	var out bytes.Buffer
	for _, tc := range []struct {
		show string // the command as the golden file shows it
		args []string
	}{
		{"get", []string{"get"}},
		{"ls --bogus", []string{"ls", "--bogus"}},
		{"frob", []string{"frob"}},
		{"put big.bin --redundancy 2+x", []string{"put", "big.bin", "--redundancy", "2+x"}},
		{"put adir", []string{"put", "adir"}},
		{"get small.bin nodir/out", []string{"get", "small.bin", "nodir/out"}},
		{"put small.bin --volume a/b", []string{"put", "small.bin", "--volume", "a/b"}},
		{"put missing.bin", []string{"put", "missing.bin"}},
		{"--network bad.json put big.bin", []string{"--network", "bad.json", "put", "big.bin"}},
		{"get sb1notareference out", []string{"get", "sb1notareference", "out"}},
		{"get REF-TO-NOTHING out", []string{"get", nothing, "out"}},
		{"node run --port 70000", []string{"node", "run", "--port", "70000"}},
		{"node run --ip notanip", []string{"node", "run", "--ip", "notanip"}},
		{"node run --capacity 0", []string{"node", "run", "--capacity", "0"}},
		{"node run --ip 127.0.0.1 --port PORT (its TCP side held)", []string{"node", "run", "--ip", "127.0.0.1", "--port", port}},
		{"node run --ip 127.0.0.1 --port NODEPORT (a running node's TCP port)", []string{"node", "run", "--ip", "127.0.0.1", "--port", nodePort}},
		{"node run --dir NODEDIR --port 0 (a running node's directory)", []string{"node", "run", "--dir", network.Peer(1).Dir, "--ip", "127.0.0.1", "--port", "0"}},
		{"put small.bin --redundancy 2+0", []string{"put", "small.bin", "--redundancy", "2+0"}},
		{"put big.bin (32 MiB on 6 nodes with room for a 4 MiB shard each)", []string{"put", "big.bin"}},
		{"ls (stdout too)", []string{"ls"}},
		{"rm --unfinished small.bin", []string{"rm", "--unfinished", "small.bin"}},
		{"rm big.bin (stdout too)", []string{"rm", "big.bin"}},
		{"ls (stdout too)", []string{"ls"}},
	} {
		msg, code := run(strings.Contains(tc.show, "(stdout too)"), tc.args...)
		msg = strings.ReplaceAll(msg, "port "+port+" ", "port PORT ")
		msg = strings.ReplaceAll(msg, "port "+nodePort+" ", "port NODEPORT ")
		msg = strings.ReplaceAll(msg, network.Peer(1).Dir, "NODEDIR")
		msg = storedAt.ReplaceAllString(msg, "YYYY-MM-DD hh:mm")
		msg = unfinishedPart.ReplaceAllString(msg, "  unfinished N%")
		fmt.Fprintf(&out, "$ scatterbytes %s\nexit %d\n%s\n", tc.show, code, msg)
	}
	// A network whose bootstrap address answers nothing.
	dead, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	lonely := *network.Profile
	lonely.Bootstrap = []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", dead.Addr().(*net.TCPAddr).Port, network.Peer(1).ID)}
	if err := lonely.Save(filepath.Join(work, "lonely.json")); err != nil {
		t.Fatal(err)
	}
	if msg, code := run(false, "--dir", "lonely", "init", "--role", "client"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, msg)
	}
	msg, code := run(false, "--dir", "lonely", "--network", "lonely.json", "get", nothing, "out")
	fmt.Fprintf(&out, "$ scatterbytes --dir lonely --network lonely.json get REF-TO-NOTHING out (a new client, no peer reachable)\nexit %d\n%s\n", code, msg)
	// Another command holds the client's catalog open.
	cat, err := client.OpenCatalog(filepath.Join(work, "client"), nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, code = run(false, "ls")
	cat.Close()
	fmt.Fprintf(&out, "$ scatterbytes ls (while another command runs)\nexit %d\n%s\n", code, msg)
	golden.Check(t, "messages_e2e.golden", out.Bytes())
}

// storedAt and unfinishedPart match what ls prints that changes from run
// to run: when a file was stored, how much of an upload was.
var (
	storedAt       = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)
	unfinishedPart = regexp.MustCompile(` +unfinished \d+%`)
)

// tcpPort is the port of the first TCP address among addrs.
func tcpPort(t *testing.T, addrs []ma.Multiaddr) string {
	t.Helper()
	for _, a := range addrs {
		if p, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			return p
		}
	}
	t.Fatalf("no TCP address among %v", addrs)
	return ""
}

// mustWrite writes n random bytes to path.
func mustWrite(t *testing.T, path string, n int) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

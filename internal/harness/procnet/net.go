package procnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Config shapes a process testnet. Start from DefaultConfig.
type Config struct {
	// Dir is the testnet directory; Start empties it first.
	Dir string
	// Binary is the scatterbytes binary; Start copies it to Dir/bin.
	Binary string
	// Nodes is how many storage node processes to start.
	Nodes int
	// Epoch is the network's epoch length.
	Epoch time.Duration
	// Redundancy is the profile's default erasure coding.
	Redundancy string
	// Capacity is each node's disk quota in bytes.
	Capacity int64
	// SuspendAfter, if positive, is how many missed epochs in a row make
	// the coordinator suspend a node (and its holders repair its shards);
	// 0 keeps the coordinator's default.
	SuspendAfter int
	// PayRateMsat is the profile's pay rate, msat per GiB-hour proven
	// (default DefaultPayRateMsat, 1 BTC: testnet coins, priced so that
	// the few MiB a testnet holds earn visibly within an epoch or two).
	PayRateMsat uint64
	// LogLevel is every child's --log-level.
	LogLevel string
	// Bitcoin, if set, runs btcd on regtest and has the coordinator pay.
	Bitcoin *BitcoinConfig
	// OnExit, if set, is called when a child ends without being asked to
	// (a crash, a kill), from a goroutine of its own.
	OnExit func(Proc)
}

// DefaultConfig is a network of six nodes in dir with 2 s epochs, 4+2.
func DefaultConfig(dir, binary string) Config {
	return Config{Dir: dir, Binary: binary, Nodes: 6, Epoch: 2 * time.Second, Redundancy: "4+2",
		Capacity: 1 << 30, LogLevel: "info"}
}

// Net is a running process testnet. Its methods are safe for concurrent use.
type Net struct {
	cfg Config
	dir string // absolute
	bin string // Dir/bin/scatterbytes

	saveMu   sync.Mutex // held across a save: see save
	mu       sync.Mutex
	state    State
	children []*child
	next     int // the next node's number
	stopping bool
	btc      *btc
	prof     *profile.Profile
	api      string // the coordinator's JSON API, host:port
}

// readyTimeout bounds the start of one child, enrolment and first proof
// included.
const readyTimeout = 90 * time.Second

// Start starts the network: the coordinator, then the nodes, each ready
// (see the package doc). On error it stops what it started.
func Start(ctx context.Context, cfg Config) (*Net, error) {
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	if s, err := ReadState(dir); err == nil && s.SupervisorAlive() && s.Stopped.IsZero() {
		return nil, fmt.Errorf("a testnet runs from %s already (pid %d): stop it with `scatterbytes testnet down --testnet-dir %s`", cfg.Dir, s.Supervisor, cfg.Dir)
	}
	if err := checkEmptiable(dir); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o700); err != nil {
		return nil, err
	}
	n := &Net{cfg: cfg, dir: dir, bin: filepath.Join(dir, "bin", "scatterbytes"), next: 1}
	if err := copyFile(cfg.Binary, n.bin); err != nil {
		return nil, fmt.Errorf("copy the scatterbytes binary: %w", err)
	}
	n.state = State{Dir: dir, Supervisor: os.Getpid(), Started: time.Now().UTC(), Binary: n.bin,
		Profile: filepath.Join(dir, profileFile), ClientDir: filepath.Join(dir, "client"),
		Epoch: cfg.Epoch.String(), Redundancy: cfg.Redundancy}
	if err := n.save(); err != nil {
		return nil, err
	}
	if err := n.start(ctx); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// profileFile is the network profile's name in the testnet directory.
const profileFile = "network.json"

func (n *Net) start(ctx context.Context) error {
	if err := n.startCoordinator(ctx); err != nil {
		return err
	}
	if err := client.Init(n.state.ClientDir, nil); err != nil {
		return err
	}
	var g errgroup.Group
	for range n.cfg.Nodes {
		g.Go(func() error { _, err := n.AddNode(ctx); return err })
	}
	return g.Wait()
}

// startCoordinator makes the coordinator's directory with `coordinator
// init`, funds it with --btc, and starts `coordinator run`.
func (n *Net) startCoordinator(ctx context.Context) error {
	dir := filepath.Join(n.dir, "coordinator")
	rec := Proc{Role: RoleCoordinator, Name: "coordinator", Dir: dir, Log: filepath.Join(dir, "coordinator.log")}
	payRate := n.cfg.PayRateMsat
	if payRate == 0 {
		payRate = DefaultPayRateMsat
	}
	init := exec.CommandContext(ctx, n.bin, "--dir", dir, "coordinator", "init", "--name", "testnet",
		"--epoch", n.cfg.Epoch.String(), "--redundancy", n.cfg.Redundancy, "--pay-rate-msat", strconv.FormatUint(payRate, 10))
	init.Env = childEnv()
	if out, err := init.CombinedOutput(); err != nil {
		return fmt.Errorf("coordinator init: %v: %s", err, out)
	}
	k, err := identity.Load(filepath.Join(dir, node.KeyFile))
	if err != nil {
		return err
	}
	rec.Peer = k.PeerID().String()
	args := []string{"--dir", dir, "--log-level", n.cfg.LogLevel, "coordinator", "run",
		"--ip", "127.0.0.1", "--port", "0", "--dashboard", "127.0.0.1:0", "--profile-out", n.state.Profile}
	if n.cfg.SuspendAfter > 0 {
		args = append(args, "--suspend-after", strconv.Itoa(n.cfg.SuspendAfter))
	}
	if n.cfg.Bitcoin != nil {
		b, err := n.startBitcoin(ctx, dir)
		if err != nil {
			return err
		}
		args = append(args, b.coordinatorArgs()...)
	}
	c, err := n.spawn(ctx, rec, regexp.MustCompile(`^profile: `), args...)
	if err != nil {
		return err
	}
	if n.prof, err = profile.Load(n.state.Profile); err != nil {
		return err
	}
	// The API starts with the coordinator's Run, after its last line.
	wctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return poll(wctx, 20*time.Millisecond, func() error {
		if c.exited() {
			return c.started()
		}
		b, err := os.ReadFile(filepath.Join(dir, coordinator.APIAddrFile))
		if err != nil {
			return fmt.Errorf("the coordinator's API address: %w", err)
		}
		n.api = string(trimSpace(b))
		return nil
	})
}

// AddNode starts one more storage node and waits until the coordinator
// has its first proof.
func (n *Net) AddNode(ctx context.Context) (Proc, error) {
	n.mu.Lock()
	i := n.next
	n.next++
	stopping := n.stopping
	n.mu.Unlock()
	if stopping {
		return Proc{}, errors.New("the testnet is stopping")
	}
	name := nodeName(i)
	dir := filepath.Join(n.dir, name)
	rec := Proc{Role: RoleNode, Name: name, Dir: dir, Log: filepath.Join(dir, "node.log")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return rec, err
	}
	k, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile))
	if err != nil {
		return rec, err
	}
	rec.Peer = k.PeerID().String()
	args := []string{"--dir", dir, "--network", n.state.Profile, "--log-level", n.cfg.LogLevel, "node", "run",
		"--ip", "127.0.0.1", "--port", "0", "--dashboard", "127.0.0.1:0", "--capacity", strconv.FormatInt(n.cfg.Capacity, 10)}
	if n.btc != nil {
		if rec.Payout, err = newPayoutAddress(dir); err != nil {
			return rec, err
		}
		args = append(args, "--payout", rec.Payout)
	}
	c, err := n.spawn(ctx, rec, regexp.MustCompile(`^\s*dashboard on `), args...)
	if err != nil {
		return rec, err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	err = poll(ctx, 100*time.Millisecond, func() error {
		if c.exited() {
			return c.started()
		}
		vs, err := n.Standings()
		if err != nil {
			return err
		}
		for _, v := range vs {
			if v.Peer == rec.Peer {
				return nil
			}
		}
		return fmt.Errorf("%s (pid %d) has not proven to the coordinator yet", name, c.rec.PID)
	})
	if err != nil {
		return c.record(), err
	}
	return c.record(), nil
}

// spawn starts a child, records it and waits until it prints readyLine.
func (n *Net) spawn(ctx context.Context, rec Proc, readyLine *regexp.Regexp, args ...string) (*child, error) {
	c, err := spawn(n.bin, rec, readyLine, args...)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.children = append(n.children, c)
	n.mu.Unlock()
	go n.watch(c)
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := poll(ctx, 20*time.Millisecond, c.started); err != nil {
		return c, err
	}
	return c, n.save()
}

// watch records the child's end and reports it unless it was stopped.
func (n *Net) watch(c *child) {
	<-c.done
	_ = n.save()
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if !stopped && n.cfg.OnExit != nil {
		n.cfg.OnExit(c.record())
	}
}

// save writes the state file. Saves are serialised and each takes the
// state as of its turn, so the last written is the newest.
func (n *Net) save() error {
	n.saveMu.Lock()
	defer n.saveMu.Unlock()
	s := n.State()
	return s.write()
}

// State returns the network's state as the state file has it: the
// coordinator, btcd, then the nodes by name.
func (n *Net) State() State {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.state
	s.Procs = nil
	if n.btc != nil {
		s.Procs = append(s.Procs, n.btc.record())
		s.Bitcoin = n.btc.state()
	}
	for _, c := range n.children {
		s.Procs = append(s.Procs, c.record())
	}
	rank := map[string]int{RoleCoordinator: 0, RoleBtcd: 1, RoleNode: 2}
	sort.SliceStable(s.Procs, func(i, j int) bool {
		a, b := s.Procs[i], s.Procs[j]
		if rank[a.Role] != rank[b.Role] {
			return rank[a.Role] < rank[b.Role]
		}
		return a.Name < b.Name
	})
	return s
}

// Profile is the network profile the coordinator wrote.
func (n *Net) Profile() *profile.Profile { return n.prof }

// Dir is the testnet directory (absolute).
func (n *Net) Dir() string { return n.dir }

// Stop stops every child, the nodes first, then the coordinator and btcd,
// and records it.
func (n *Net) Stop() {
	n.mu.Lock()
	n.stopping = true
	children := append([]*child(nil), n.children...)
	n.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range children {
		if c.rec.Role == RoleNode {
			wg.Add(1)
			go func() { defer wg.Done(); c.stop(10 * time.Second) }()
		}
	}
	wg.Wait()
	for _, c := range children {
		c.stop(10 * time.Second)
	}
	if n.btc != nil {
		n.btc.close()
	}
	n.mu.Lock()
	n.state.Stopped = time.Now().UTC()
	n.mu.Unlock()
	_ = n.save()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// final marks a condition's error that no wait can change (a child
// exited): poll returns it at once.
type final struct{ error }

func (f final) Unwrap() error { return f.error }

// poll calls cond every d until it returns nil or a final error, or ctx
// ends.
func poll(ctx context.Context, d time.Duration, cond func() error) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if f, ok := err.(final); ok {
			return f.error
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// checkEmptiable refuses to empty a directory that holds something other
// than a testnet: a mistyped --testnet-dir must not delete a user's files.
func checkEmptiable(dir string) error {
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(es) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, marker := range []string{StateFile, profileFile} {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s is not empty and holds no testnet (no %s): choose an empty or new --testnet-dir", dir, StateFile)
}

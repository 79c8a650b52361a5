package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
)

func demoCmd() *cobra.Command {
	var (
		f    testnetFlags
		size int64
		keep bool
		dir  string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the network's main job end to end on a local testnet of real processes",
		Long: `demo starts a local testnet of real processes (a coordinator and --nodes
storage nodes, as ` + "`testnet up`" + ` does) in a temporary directory, stores a file of
random bytes, kills two node processes that hold shards of it (SIGKILL), reads
the file back and compares it byte for byte, shows the coordinator crediting
the nodes' proofs and the surviving holders repairing the lost shards onto
other nodes, and with --btc a Bitcoin payout to the nodes confirmed on regtest.
Each step prints its figures; demo exits 0 only if every step held, and
otherwise names the step that did not. It stops every process it started and
removes its directory (kept on failure, or with --keep, for the logs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), &f, size, dir, keep)
		},
	}
	f.register(cmd, 10, 2, 10*time.Second, 2*time.Second)
	cmd.Flags().Int64Var(&size, "size", 16<<20, "bytes of the file to store")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the testnet directory (its logs) after the demo")
	cmd.Flags().StringVar(&dir, "demo-dir", "", "directory for the demo's testnet, emptied first (default: a new temporary one)")
	return cmd
}

// demo is one run of the demo: its network, client and the file.
type demo struct {
	out  io.Writer
	net  *procnet.Net
	c    *client.Client
	ref  manifest.Ref
	m    *manifest.Manifest
	data []byte
	t0   time.Time
	// killed is when the two nodes were killed.
	killed time.Time
	log    *os.File // the client's log, DIR/client.log

	mu         sync.Mutex
	expected   map[string]bool // the nodes the demo kills
	unexpected []string        // children that died without being killed
}

// step runs one step; an error names the step.
func (d *demo) step(name string, f func() error) error {
	if err := f(); err != nil {
		return fmt.Errorf("demo failed at step %q: %w", name, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.unexpected) > 0 {
		return fmt.Errorf("demo failed at step %q: %s died unexpectedly", name, strings.Join(d.unexpected, ", "))
	}
	return nil
}

func (d *demo) printf(step, format string, a ...any) {
	fmt.Fprintf(d.out, "%-9s %s\n", step, fmt.Sprintf(format, a...))
}

func runDemo(ctx context.Context, w io.Writer, f *testnetFlags, size int64, dir string, keep bool) (err error) {
	if f.nodes < 7 {
		return usageError{fmt.Errorf("--nodes %d: the demo needs at least 7 (4+2 stripes, two killed, a node to repair onto)", f.nodes)}
	}
	if size < 1 {
		return usageError{fmt.Errorf("--size %d: want at least one byte", size)}
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "scatterbytes-demo"); err != nil {
			return err
		}
	}
	d := &demo{out: &syncWriter{w: w}, expected: map[string]bool{}, t0: time.Now()}
	defer func() {
		if err != nil || keep {
			fmt.Fprintf(d.out, "the testnet's directory and logs are kept in %s\n", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	cfg, err := f.config(dir)
	if err != nil {
		return err
	}
	cfg.Redundancy = "4+2"
	cfg.OnExit = func(p procnet.Proc) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.expected[p.Name] {
			d.unexpected = append(d.unexpected, fmt.Sprintf("%s (pid %d: %s; log %s)", p.Name, p.PID, p.Exit, p.Log))
		}
	}
	steps := []struct {
		name string
		f    func() error
	}{
		{"network", func() error { return d.start(ctx, f, cfg) }},
		{"put", func() error { return d.put(ctx, size) }},
		{"proofs", func() error { return d.proofs(ctx) }},
		{"kill", func() error { return d.kill() }},
		{"get", func() error { return d.get(ctx) }},
		{"repair", func() error { return d.repair(ctx) }},
	}
	if f.btc {
		steps = append(steps, struct {
			name string
			f    func() error
		}{"payout", func() error { return d.payout(ctx) }})
	}
	defer d.stop()
	for _, s := range steps {
		if err := d.step(s.name, s.f); err != nil {
			return err
		}
	}
	d.stop()
	fmt.Fprintf(d.out, "demo passed in %v: every step held\n", time.Since(d.t0).Round(100*time.Millisecond))
	return nil
}

// stop closes the client and stops every process, once.
func (d *demo) stop() {
	if d.c != nil {
		d.c.Close()
		d.c = nil
	}
	if d.log != nil {
		d.log.Close()
		d.log = nil
	}
	if d.net != nil {
		n := 0
		for _, p := range d.net.State().Procs {
			if p.Alive() {
				n++
			}
		}
		d.net.Stop()
		d.net = nil
		d.printf("stop", "stopped the testnet's %d running processes", n)
	}
}

// start starts the testnet and the client.
func (d *demo) start(ctx context.Context, f *testnetFlags, cfg procnet.Config) error {
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(ctx, f.startTimeout())
	defer cancel()
	net, err := procnet.Start(sctx, cfg)
	if err != nil {
		return err
	}
	d.net = net
	st := net.State()
	var pids []string
	for _, p := range st.Procs {
		pids = append(pids, fmt.Sprintf("%s %d", p.Name, p.PID))
	}
	btc := ""
	if cfg.Bitcoin != nil {
		btc = ", btcd on regtest"
	}
	d.printf("network", "coordinator and %d storage node processes%s ready in %v (epoch %s, %s, a silent node suspended after %d epochs) in %s",
		cfg.Nodes, btc, time.Since(t0).Round(time.Millisecond), st.Epoch, st.Redundancy, cfg.SuspendAfter, cfg.Dir)
	d.printf("", "pids: %s", strings.Join(pids, ", "))
	ccfg := client.DefaultConfig(st.ClientDir, net.Profile())
	if d.log, err = os.OpenFile(filepath.Join(net.Dir(), "client.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return err
	}
	ccfg.Logger = slog.New(slog.NewTextHandler(d.log, nil))
	d.c, err = client.Open(sctx, ccfg)
	return err
}

// put stores size random bytes.
func (d *demo) put(ctx context.Context, size int64) error {
	d.data = make([]byte, size)
	rand.Read(d.data)
	t0 := time.Now()
	ref, err := d.c.Put(ctx, bytes.NewReader(d.data), size, client.PutOptions{Name: "demo.bin"})
	if err != nil {
		return err
	}
	took := time.Since(t0)
	d.ref = ref
	f, err := d.c.Open(ctx, ref)
	if err != nil {
		return err
	}
	d.m = f.Manifest()
	f.Close()
	shards := 0
	for _, s := range d.m.Stripes {
		shards += len(s.Shards)
	}
	d.printf("put", "stored %s of random bytes as %d+%d in %v (%.1f MiB/s): %d stripes, %d shards of up to %s on %d nodes",
		sizeString(size), d.m.K, d.m.M, took.Round(time.Millisecond), float64(size)/(1<<20)/took.Seconds(),
		len(d.m.Stripes), shards, sizeString(d.m.ShardSize), len(d.holders()))
	return nil
}

// holders are the nodes the manifest records as holding a shard of the
// file, with how many each holds.
func (d *demo) holders() map[string]int {
	out := map[string]int{}
	for _, st := range d.m.Stripes {
		for _, s := range st.Shards {
			for _, h := range s.Holders {
				if p, err := peer.IDFromBytes(h); err == nil {
					out[p.String()]++
				}
			}
		}
	}
	return out
}

// proofs waits until the coordinator has credited every holder's proof.
func (d *demo) proofs(ctx context.Context) error {
	t0 := time.Now()
	holders := d.holders()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var proven, earned uint64
	var nodes int
	err := wait.For(ctx, func() error {
		vs, err := d.net.Standings()
		if err != nil {
			return err
		}
		proven, earned, nodes = 0, 0, 0
		var missing []string
		for _, v := range vs {
			if holders[v.Peer] == 0 {
				continue
			}
			if v.Bytes == 0 || v.EarnedMsat == 0 {
				missing = append(missing, v.Peer)
				continue
			}
			nodes++
			proven += v.Bytes
			earned += v.EarnedMsat
		}
		if nodes < len(holders) {
			return fmt.Errorf("%d of the %d holders have proofs credited (waiting for %v)", nodes, len(holders), missing)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cs, _ := d.net.CoordinatorStatus()
	d.printf("proofs", "the coordinator verified proofs of all %d holders (%s proven) and credited them %d msat, %v after the put (epoch %d)",
		nodes, sizeString(int64(proven)), earned, time.Since(t0).Round(time.Millisecond), cs.Epoch)
	return nil
}

// victims are two nodes holding shards of the file's first stripe.
func (d *demo) victims() ([]procnet.Proc, error) {
	first := map[string]bool{}
	for _, s := range d.m.Stripes[0].Shards {
		for _, h := range s.Holders {
			if p, err := peer.IDFromBytes(h); err == nil {
				first[p.String()] = true
			}
		}
	}
	var out []procnet.Proc
	for _, p := range d.net.State().Procs {
		if p.Role == procnet.RoleNode && first[p.Peer] && len(out) < 2 {
			out = append(out, p)
		}
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("found %d nodes holding the first stripe, want 2", len(out))
	}
	return out, nil
}

// kill kills two holders with SIGKILL.
func (d *demo) kill() error {
	vs, err := d.victims()
	if err != nil {
		return err
	}
	holders := d.holders()
	var names []string
	lost := 0
	for _, p := range vs {
		d.mu.Lock()
		d.expected[p.Name] = true
		d.mu.Unlock()
		if err := p.Kill(); err != nil {
			return err
		}
		names = append(names, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
		lost += holders[p.Peer]
	}
	d.killed = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range vs {
		if err := waitGone(ctx, p); err != nil {
			return err
		}
	}
	shards := 0
	for _, s := range d.m.Stripes {
		shards += len(s.Shards)
	}
	d.printf("kill", "killed %s with SIGKILL: %d of the file's %d shards are gone with them", strings.Join(names, " and "), lost, shards)
	return nil
}

// get reads the file back and compares it.
func (d *demo) get(ctx context.Context) error {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	f, err := d.c.Open(ctx, d.ref)
	if err != nil {
		return err
	}
	defer f.Close()
	var back bytes.Buffer
	if _, err := f.WriteTo(&back); err != nil {
		return err
	}
	took := time.Since(t0)
	if !bytes.Equal(back.Bytes(), d.data) {
		return fmt.Errorf("read back %d bytes that differ from the %d stored", back.Len(), len(d.data))
	}
	d.printf("get", "read the %s back byte-identical in %v with 2 of its holders dead", sizeString(int64(len(d.data))), took.Round(time.Millisecond))
	return nil
}

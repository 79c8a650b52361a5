package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
)

func testnetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "testnet", Short: "Run a local network of real processes: up, status, add, kill, down"}
	cmd.PersistentFlags().StringVar(&testnetDir, "testnet-dir", ".testnet", "the testnet's directory: its profile, client and a directory and log per process")
	cmd.AddCommand(testnetUpCmd(), testnetStatusCmd(), testnetAddCmd(), testnetKillCmd(), testnetDownCmd(), testnetPayoutsCmd())
	return cmd
}

// testnetDir is --testnet-dir.
var testnetDir string

// testnetFlags are the settings `testnet up` and `demo` share.
type testnetFlags struct {
	nodes        int
	epoch        time.Duration
	capacity     int64
	suspendAfter int
	btc          bool
	btcd         string
	payEvery     time.Duration
	mineEvery    time.Duration
}

func (f *testnetFlags) register(cmd *cobra.Command, nodes int, suspendAfter int, payEvery, mineEvery time.Duration) {
	fs := cmd.Flags()
	fs.IntVar(&f.nodes, "nodes", nodes, "number of storage node processes")
	fs.DurationVar(&f.epoch, "epoch", 2*time.Second, "epoch length")
	fs.Int64Var(&f.capacity, "capacity", 1<<30, "each storage node's disk quota in bytes")
	fs.IntVar(&f.suspendAfter, "suspend-after", suspendAfter, "missed epochs after which the coordinator suspends a node and its shards are repaired")
	fs.BoolVar(&f.btc, "btc", false, "run btcd on regtest beside the network and pay the nodes in Bitcoin")
	fs.StringVar(&f.btcd, "btcd", "", "btcd "+btcnode.Version+" binary for --btc (default: build the module's once into the user cache directory)")
	fs.DurationVar(&f.payEvery, "payout-interval", payEvery, "with --btc, how often the coordinator pays")
	fs.DurationVar(&f.mineEvery, "block-every", mineEvery, "with --btc, how often a regtest block is mined")
}

// config is the procnet configuration of the flags, in dir.
func (f *testnetFlags) config(dir string) (procnet.Config, error) {
	bin, err := os.Executable()
	if err != nil {
		return procnet.Config{}, fmt.Errorf("find the scatterbytes binary to run: %w", err)
	}
	switch {
	case f.nodes < 1:
		return procnet.Config{}, usageError{fmt.Errorf("--nodes %d: want at least 1", f.nodes)}
	case f.capacity < 1:
		return procnet.Config{}, usageError{fmt.Errorf("--capacity %d: want a positive number of bytes", f.capacity)}
	case f.epoch < time.Second:
		return procnet.Config{}, usageError{fmt.Errorf("--epoch %v: want 1s or more", f.epoch)}
	case f.suspendAfter < 0:
		return procnet.Config{}, usageError{fmt.Errorf("--suspend-after %d: want 1 or more epochs (0: the coordinator's default)", f.suspendAfter)}
	}
	cfg := procnet.DefaultConfig(dir, bin)
	cfg.Nodes, cfg.Epoch, cfg.Capacity, cfg.SuspendAfter = f.nodes, f.epoch, f.capacity, f.suspendAfter
	cfg.LogLevel = g.logLevel
	if f.nodes < 6 {
		m := min(2, f.nodes-1)
		cfg.Redundancy = fmt.Sprintf("%d+%d", f.nodes-m, m) // every shard of a stripe needs a node
	}
	if f.btc {
		cfg.Bitcoin = &procnet.BitcoinConfig{Btcd: f.btcd, PayoutInterval: f.payEvery, BlockEvery: f.mineEvery}
	}
	return cfg, nil
}

// startTimeout bounds `testnet up`'s start: the first --btc run builds btcd.
func (f *testnetFlags) startTimeout() time.Duration {
	if f.btc {
		return 10 * time.Minute
	}
	return 3 * time.Minute
}

// syncWriter serialises the lines of the supervisor's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// shown is path as the user would type it: under --testnet-dir as given.
func shown(dir, abs, path string) string {
	if rel, err := filepath.Rel(abs, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(dir, rel)
	}
	return path
}

// reportExit is the supervisor's line for a child that died.
func reportExit(out io.Writer, dir, abs string) func(procnet.Proc) {
	return func(p procnet.Proc) {
		fmt.Fprintf(out, "%s %s (pid %d) died: %s; not restarted (log: %s)\n",
			time.Now().Format("15:04:05"), p.Name, p.PID, p.Exit, shown(dir, abs, p.Log))
	}
}

func testnetUpCmd() *cobra.Command {
	var f testnetFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a coordinator and N storage node processes on loopback until Ctrl-C",
		Long: `up starts a local network on 127.0.0.1 of real processes: a coordinator (CA,
enrolment, bootstrap, proofs, ledger) and N storage nodes, each this binary
run as a child with its own directory and log file under --testnet-dir
(emptied first). It writes the network profile (network.json), a client
directory (client/), a copy of the binary (bin/scatterbytes), a shell file
to source (env) and the state of every process (testnet.json), prints what
to run next, and stays in the foreground: a child that dies is reported
here, never restarted. Ctrl-C, SIGTERM or ` + "`testnet down`" + ` stop every process;
if up itself is killed, the kernel kills its children (Linux).

From another terminal: ` + "`testnet status`" + ` shows every process, ` + "`testnet kill NODE`" + `
kills one with SIGKILL, ` + "`testnet add`" + ` starts one more node.

With --btc it also runs btcd on Bitcoin regtest (built once from the module's
go tool dependency into the user cache directory, or --btcd PATH), mines 500
blocks to the coordinator's key, enrols each node with the address of a
regtest key in its directory (payout.key), mines a block every --block-every
and has the coordinator pay every --payout-interval.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := f.config(testnetDir)
			if err != nil {
				return err
			}
			out := &syncWriter{w: cmd.OutOrStdout()}
			abs, _ := filepath.Abs(testnetDir)
			cfg.OnExit = reportExit(out, testnetDir, abs)
			fmt.Fprintf(out, "starting a coordinator and %d node processes in %s\n", f.nodes, testnetDir)
			start := time.Now()
			sctx, cancel := context.WithTimeout(ctx, f.startTimeout())
			net, err := procnet.Start(sctx, cfg)
			cancel()
			if err != nil {
				return fmt.Errorf("testnet up: %w", err)
			}
			defer func() {
				n := 0
				for _, p := range net.State().Procs {
					if p.Alive() {
						n++
					}
				}
				fmt.Fprintf(out, "stopping %d processes\n", n)
				net.Stop()
				fmt.Fprintf(out, "testnet %s stopped: no process left running\n", testnetDir)
			}()
			if err := writeEnv(net); err != nil {
				return err
			}
			sctx, stopServe := context.WithCancel(ctx)
			served := make(chan error, 1)
			go func() {
				err := net.Serve(sctx)
				if err != nil {
					fmt.Fprintf(out, "testnet add will not work: %v\n", err)
				}
				served <- err
			}()
			defer func() { stopServe(); <-served }()
			printUp(out, net, testnetDir, time.Since(start))
			if f.btc {
				wctx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); watchPayouts(wctx, out, net, f.mineEvery) }()
				defer func() { stop(); <-done }()
			}
			<-ctx.Done()
			return nil
		},
	}
	f.register(cmd, 6, 0, 30*time.Second, 5*time.Second)
	return cmd
}

// printUp is up's summary: the processes, then what to run next.
func printUp(w io.Writer, net *procnet.Net, dir string, took time.Duration) {
	st := net.State()
	abs := net.Dir()
	nodes := 0
	for _, p := range st.Procs {
		if p.Role == procnet.RoleNode {
			nodes++
		}
	}
	fmt.Fprintf(w, "testnet up: coordinator and %d node processes ready in %v (epoch %s, %s)\n", nodes, took.Round(time.Millisecond), st.Epoch, st.Redundancy)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPID\tPEER\tLOG")
	for _, p := range st.Procs {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", p.Name, p.PID, orDash(p.Peer), shown(dir, abs, p.Log))
	}
	tw.Flush()
	for _, p := range st.Procs {
		if p.Role == procnet.RoleCoordinator && p.Dashboard != "" {
			fmt.Fprintf(w, "dashboard: %s (the coordinator's; each node's is in `testnet status`)\n", p.Dashboard)
		}
	}
	if b := st.Bitcoin; b != nil {
		fmt.Fprintf(w, "bitcoin:   btcd %s regtest, RPC http://%s (user %s, password in %s); coordinator pays from %s\n",
			btcnode.Version, b.RPC, b.User, shown(dir, abs, b.PassFile), b.Funding)
		fmt.Fprintf(w, "           each payout is printed here as it confirms; `testnet payouts` lists them from the chain\n")
	}
	bin := shown(dir, abs, st.Binary)
	cl := fmt.Sprintf("%s --network %s --dir %s", bin, shown(dir, abs, st.Profile), shown(dir, abs, st.ClientDir))
	td := ""
	if dir != ".testnet" {
		td = " --testnet-dir " + dir
	}
	fmt.Fprintf(w, "from another terminal, as printed:\n"+
		"  %s put FILE\n"+
		"  %s ls\n"+
		"  %s get NAME OUT\n"+
		"  %s testnet status%s\n"+
		"  %s testnet kill node03%s    # SIGKILL one node\n"+
		"  %s testnet add%s            # one more node\n"+
		"  %s testnet down%s           # stop every process\n"+
		"  or `. %s` first, then `scatterbytes put FILE`, `scatterbytes testnet status`, ...\n"+
		"Ctrl-C here stops every process too.\n",
		cl, cl, cl, bin, td, bin, td, bin, td, bin, td, filepath.Join(dir, "env"))
}

// writeEnv writes DIR/env, a shell file that puts the testnet's binary on
// PATH and points the client commands at its profile and client directory.
func writeEnv(net *procnet.Net) error {
	st := net.State()
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	body := fmt.Sprintf("# . this file to use the testnet: scatterbytes put FILE, scatterbytes testnet status, ...\n"+
		"export PATH=%s:\"$PATH\"\nexport SCATTERBYTES_NETWORK=%s SCATTERBYTES_DIR=%s SCATTERBYTES_TESTNET_DIR=%s\n",
		q(filepath.Dir(st.Binary)), q(st.Profile), q(st.ClientDir), q(net.Dir()))
	return os.WriteFile(filepath.Join(net.Dir(), "env"), []byte(body), 0o644)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

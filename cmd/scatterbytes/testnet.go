package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

func testnetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "testnet", Short: "Run a local multi-peer network"}
	cmd.AddCommand(testnetUpCmd(), testnetPayoutsCmd(), testnetDownCmd())
	return cmd
}

func testnetUpCmd() *cobra.Command {
	var (
		nodes     int
		dir       string
		epoch     time.Duration
		put       string
		check     bool
		capacity  int64
		btc       bool
		btcd      string
		payEvery  time.Duration
		mineEvery time.Duration
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a coordinator and N storage nodes on loopback until Ctrl-C",
		Long: `up starts a local network on 127.0.0.1: a coordinator (CA, enrolment,
bootstrap) and N storage nodes, each with its own directory under --testnet-dir.
It writes the network profile and a ready client directory there, stores a
file and reads it back to show the network works (--check=false skips that),
and runs until Ctrl-C, SIGTERM or ` + "`testnet down`" + `, which stop every node.

With --btc it also runs btcd on Bitcoin regtest (built once from the module's
go tool dependency into the user cache directory, or --btcd PATH), mines 500
blocks to the coordinator's key so it has coins, enrols each storage node with
the address of a regtest key kept in its directory (payout.key), mines a block
every 5 s (--block-every) and pays the nodes every 30 s (--payout-interval): a
node holding 1 MiB is paid within two minutes. Each payout is printed as it is
sent and confirmed; ` + "`testnet payouts`" + ` shows them and every balance. Ctrl-C
and ` + "`testnet down`" + ` stop btcd too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			start := time.Now()
			opts := testnet.Options{Dir: dir, Nodes: nodes, Epoch: epoch, Capacity: capacity, Logger: logger()}
			startIn := time.Minute
			if btc {
				pay := testnet.TestnetPayments()
				pay.Interval = payEvery
				opts.Bitcoin = &testnet.BitcoinOptions{Btcd: btcd, Payments: pay, BlockEvery: mineEvery}
				startIn = 10 * time.Minute // the first run builds btcd
			}
			sctx, cancel := context.WithTimeout(ctx, startIn)
			defer cancel()
			net, err := testnet.Start(sctx, testclient.WithStorage(opts))
			if err != nil {
				return err
			}
			defer net.Close()
			pf := filepath.Join(dir, pidFile)
			if err := os.WriteFile(pf, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
				return err
			}
			defer os.Remove(pf)
			clientDir := filepath.Join(dir, "client")
			if err := testclient.WriteDir(net, clientDir); err != nil {
				return err
			}
			prof := filepath.Join(dir, testnet.ProfileFile)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "testnet up: coordinator and %d nodes ready in %v\n", nodes, time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(out, "profile:    %s\n", prof)
			fmt.Fprintf(out, "bootstrap:  %s\n", node.P2PAddr(net.Coordinator().Node().AddrInfo()))
			if check || put != "" {
				if err := selfCheck(ctx, out, clientDir, net.Profile, put); err != nil {
					return fmt.Errorf("testnet check: %w", err)
				}
			}
			if btc {
				printBitcoin(out, net, dir)
			}
			fmt.Fprintf(out, "use it from another terminal:\n"+
				"  export SCATTERBYTES_NETWORK=%s SCATTERBYTES_DIR=%s\n"+
				"  scatterbytes put FILE; scatterbytes ls; scatterbytes get NAME OUT\n"+
				"add a storage node:\n"+
				"  scatterbytes --network %s --dir /tmp/sb-extra init\n"+
				"  scatterbytes --network %s --dir /tmp/sb-extra node run --ip 127.0.0.1 --port 0\n",
				prof, clientDir, prof, prof)
			if btc {
				fmt.Fprintln(out, "  (add --payout ADDRESS, a regtest segwit address bcrt1q..., to init to be paid)")
			}
			fmt.Fprintf(out, "Ctrl-C (or `scatterbytes testnet down --testnet-dir %s`) stops the network.\n", dir)
			if btc {
				wctx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); watchPayouts(wctx, out, net.Bitcoin(), dir) }()
				defer func() { stop(); <-done }()
			}
			<-ctx.Done()
			fmt.Fprintln(out, "stopping")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&nodes, "nodes", 6, "number of storage nodes")
	f.StringVar(&dir, "testnet-dir", ".testnet", "directory for the network's profile and node directories (emptied first)")
	f.DurationVar(&epoch, "epoch", 5*time.Second, "epoch length")
	f.StringVar(&put, "put", "", "FILE to store and read back once the network is up (default: 4 MiB of random bytes)")
	f.BoolVar(&check, "check", true, "store a file and read it back once the network is up")
	f.Int64Var(&capacity, "capacity", 1<<30, "each storage node's disk quota in bytes")
	f.BoolVar(&btc, "btc", false, "run btcd on regtest beside the network and pay the nodes in Bitcoin every 30 s")
	f.DurationVar(&payEvery, "payout-interval", 30*time.Second, "with --btc, how often the coordinator pays")
	f.DurationVar(&mineEvery, "block-every", 5*time.Second, "with --btc, how often a regtest block is mined")
	f.StringVar(&btcd, "btcd", "", "btcd "+btcnode.Version+" binary for --btc (default: build the module's once into the user cache directory)")
	return cmd
}

// selfCheck stores a file through a client of the new network, reads it back
// and compares: the network's main job, end to end.
func selfCheck(ctx context.Context, out io.Writer, dir string, p *profile.Profile, file string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cfg := client.DefaultConfig(dir, p)
	cfg.Logger = logger()
	c, err := client.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	var data []byte
	if file == "" {
		data = make([]byte, 4<<20)
		rand.Read(data)
	} else if data, err = os.ReadFile(file); err != nil {
		return err
	}
	name := "testnet-check"
	if file != "" {
		name = filepath.Base(file)
	}
	t0 := time.Now()
	ref, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: name})
	if err != nil {
		return err
	}
	tPut := time.Since(t0)
	f, err := c.Open(ctx, ref)
	if err != nil {
		return err
	}
	defer f.Close()
	var back bytes.Buffer
	t1 := time.Now()
	if _, err := f.WriteTo(&back); err != nil {
		return err
	}
	tGet := time.Since(t1)
	if !bytes.Equal(back.Bytes(), data) {
		return fmt.Errorf("read back %d bytes that differ from the %d stored", back.Len(), len(data))
	}
	fmt.Fprintf(out, "check:      stored %q (%d bytes, %s) in %v and read it back identical in %v\n",
		name, len(data), p.Redundancy, tPut.Round(time.Millisecond), tGet.Round(time.Millisecond))
	fmt.Fprintf(out, "reference:  %s\n", ref.Encode())
	return nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

func testnetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "testnet", Short: "Run a local multi-peer network"}
	cmd.AddCommand(testnetUpCmd())
	return cmd
}

func testnetUpCmd() *cobra.Command {
	var (
		nodes int
		dir   string
		epoch time.Duration
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a coordinator and N storage nodes on loopback until Ctrl-C",
		Long: `up starts a local network on 127.0.0.1: a coordinator (CA, enrolment,
bootstrap) and N storage nodes, each with its own directory under --testnet-dir.
It writes the network profile there, so that another terminal can join with
  scatterbytes --network DIR/network.json --dir NEWDIR init
  scatterbytes --network DIR/network.json --dir NEWDIR node run --port 0
Ctrl-C (or SIGTERM) stops every node.`,
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
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			net, err := testnet.Start(sctx, testnet.Options{Dir: dir, Nodes: nodes, Epoch: epoch, Logger: logger()})
			if err != nil {
				return err
			}
			defer net.Close()
			profile := filepath.Join(dir, testnet.ProfileFile)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "testnet up: coordinator and %d nodes ready in %v\n", nodes, time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(out, "profile:    %s\n", profile)
			fmt.Fprintf(out, "bootstrap:  %s\n", node.P2PAddr(net.Coordinator().Node().AddrInfo()))
			fmt.Fprintf(out, "join from another terminal:\n  scatterbytes --network %s --dir /tmp/sb-extra init\n  scatterbytes --network %s --dir /tmp/sb-extra node run --ip 127.0.0.1 --port 0\n", profile, profile)
			fmt.Fprintln(out, "Ctrl-C stops the network.")
			<-ctx.Done()
			fmt.Fprintln(out, "stopping")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&nodes, "nodes", 5, "number of storage nodes")
	f.StringVar(&dir, "testnet-dir", ".testnet", "directory for the network's profile and node directories (emptied first)")
	f.DurationVar(&epoch, "epoch", 5*time.Second, "epoch length")
	return cmd
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/node"
)

func peersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "List the peers the node in --dir knows",
		Long: `peers lists the verified peers of the node's routing table as the node last
recorded them (every 30 seconds while it runs, and when it stops).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(g.dir, node.PeersFile)
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("no known peers in %s yet: run `scatterbytes node run` first (%w)", g.dir, err)
			}
			var peers []struct {
				ID    string   `json:"id"`
				Addrs []string `json:"addrs"`
			}
			if err := json.Unmarshal(b, &peers); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			st, _ := os.Stat(path)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d peers, recorded %s ago\n", len(peers), time.Since(st.ModTime()).Round(time.Second))
			for _, p := range peers {
				fmt.Fprintln(out, p.ID)
				for _, a := range p.Addrs {
					fmt.Fprintln(out, "  ", a)
				}
			}
			return nil
		},
	}
}

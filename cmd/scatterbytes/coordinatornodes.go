package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
)

// errNoCoordinatorAPI says no coordinator runs from --dir.
var errNoCoordinatorAPI = errors.New("no coordinator is running from this directory (no api.addr): start it with `scatterbytes coordinator run`")

func coordinatorNodesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "nodes",
		Short: "List the storage nodes and their standing, from the coordinator running in --dir",
		Long: `nodes asks the coordinator running from --dir (through its JSON API on
loopback, whose address it keeps in DIR/api.addr) for every storage node it has
seen prove: peer, state, proven bytes, audit score, uptime, epochs proven and
missed. --json prints the API's answer as it is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var nodes []coordinator.NodeView
			if err := getAPI(g.dir, "/api/v1/nodes", &nodes); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(nodes)
			}
			printNodes(out, nodes)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printNodes(w io.Writer, nodes []coordinator.NodeView) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tSTATE\tSTORED\tAUDIT\tUPTIME\tPROVEN\tMISSED\tLAST EPOCH")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f\t%.1f%%\t%d\t%d\t%d\n", n.Peer, n.State, sizeString(int64(n.Bytes)),
			n.AuditScore, 100*n.Uptime, n.Proven, n.Missed, n.LastEpoch)
	}
	tw.Flush()
	if len(nodes) == 0 {
		fmt.Fprintln(w, "no storage node has proven anything yet")
	}
}

// getAPI fetches path from the JSON API of the coordinator running in dir.
func getAPI(dir, path string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, coordinator.APIAddrFile))
	if errors.Is(err, os.ErrNotExist) {
		return errNoCoordinatorAPI
	}
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + strings.TrimSpace(string(b)) + path)
	if err != nil {
		return fmt.Errorf("coordinator API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("coordinator API: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v)
}

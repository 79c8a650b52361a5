package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
)

// watchPayouts prints each payout to the nodes as it confirms, read from
// the chain every block, until ctx ends.
func watchPayouts(ctx context.Context, out io.Writer, net *procnet.Net, every time.Duration) {
	rpc := net.Chain().RPC()
	var next int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pos, tip, err := procnet.ChainPayouts(rpc, net.State().Procs, next)
		if err != nil {
			continue // btcd busy or stopping: the next block tells
		}
		next = tip + 1
		for _, po := range pos {
			fmt.Fprintf(out, "%s payout confirmed in block %d: %d nodes, %d sat, txid %s\n",
				time.Now().Format("15:04:05"), po.Height, len(po.Paid), po.Total(), po.Txid)
		}
	}
}

func testnetPayoutsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "payouts",
		Short: "Show the payouts to the nodes of a `testnet up --btc`, read from the chain",
		Long: `payouts reads every block of the testnet's btcd since the coordinator was
funded and lists the transactions that paid the nodes' payout addresses
(block, txid, sat per node), then what each node received in all: what the
chain says, not the coordinator's ledger (` + "`testnet status`" + ` shows what each
node earned there).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := procnet.ReadState(testnetDir)
			if err != nil {
				return err
			}
			rpc, err := procnet.ChainClient(st)
			if err != nil {
				return err
			}
			defer rpc.Shutdown()
			pos, tip, err := procnet.ChainPayouts(rpc, st.Procs, 0)
			if err != nil {
				return fmt.Errorf("read the chain from btcd at %s (is the testnet running?): %w", st.Bitcoin.RPC, err)
			}
			printPayouts(cmd.OutOrStdout(), pos, tip)
			return nil
		},
	}
}

func printPayouts(w io.Writer, pos []procnet.Payout, tip int64) {
	plural := "s"
	if len(pos) == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "%d payout%s to the nodes confirmed up to block %d\n", len(pos), plural, tip)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BLOCK\tNODES\tSAT\tTXID")
	total := map[string]int64{}
	for _, po := range pos {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\n", po.Height, len(po.Paid), po.Total(), po.Txid)
		for n, v := range po.Paid {
			total[n] += v
		}
	}
	tw.Flush()
	var names []string
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(tw, "\nNODE\tRECEIVED SAT")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%d\n", n, total[n])
	}
	tw.Flush()
}

package main

import (
	"encoding/json"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"
)

func coordinatorStatementCmd() *cobra.Command {
	var (
		node   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "statement --node ID",
		Short: "Show a node's earnings: every satoshi traced to its epochs and to the txid that paid it",
		Long: `statement reads the ledger in --dir (no Bitcoin node needed) and lists the
node's credits, one per epoch (proven bytes, availability, the node's share),
each with the payouts that paid it (oldest credits are paid first), then its
payouts and balance. --json prints the same for programs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := peer.Decode(node)
			if err != nil {
				return usageError{fmt.Errorf("--node %q is not a peer ID", node)}
			}
			_, l, err := openLedger()
			if err != nil {
				return err
			}
			defer l.Close()
			st, err := l.Statement(id)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			fmt.Fprintf(out, "node %s  payout address %s\n", st.Node, orNone(st.Balance.Payout))
			fmt.Fprintf(out, "%-10s %16s %8s %14s  %s\n", "epoch", "proven bytes", "avail", "earned msat", "paid by")
			for _, c := range st.Credits {
				paid := ""
				for _, p := range c.Paid {
					paid += fmt.Sprintf("%d msat in %s (%s) ", p.Msat, p.Txid, p.State)
				}
				if c.UnpaidMsat > 0 {
					paid += fmt.Sprintf("%d msat unpaid", c.UnpaidMsat)
				}
				fmt.Fprintf(out, "%-10d %16d %7.2f%% %14d  %s\n", c.Epoch, c.ProvenBytes, float64(c.Availability)/1e4, c.NodeMsat, paid)
			}
			for _, p := range st.Payouts {
				fmt.Fprintf(out, "payout %d: %d sat to %s, %s, txid %s\n", p.Payout, p.Sat, p.Address, p.State, p.Txid)
			}
			b := st.Balance
			fmt.Fprintf(out, "earned %d msat; paid %d sat; in open payouts %d sat; balance %d sat\n",
				b.EarnedMsat, b.PaidSat, b.CommittedSat-b.PaidSat, b.AvailableSat())
			return nil
		},
	}
	cmd.Flags().StringVar(&node, "node", "", "the node's peer ID")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("node")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

package main

import (
	"path/filepath"

	"github.com/spf13/cobra"
)

func coordinatorCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "coordinator", Short: "Run a network's coordinator: its CA, enrolment and first bootstrap peer"}
	cmd.AddCommand(coordinatorInitCmd(), coordinatorRunCmd(), coordinatorNodesCmd(), coordinatorPayoutCmd(), coordinatorStatementCmd())
	return cmd
}

// coordinatorProfile is the network profile the coordinator in --dir keeps:
// init writes it and run publishes its own address in it.
func coordinatorProfile() string { return filepath.Join(g.dir, "network.json") }

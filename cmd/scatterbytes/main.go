// Command scatterbytes plays every ScatterBytes role: storage node, client,
// coordinator, CA and local testnet. Every flag can also be set through an
// environment variable named SCATTERBYTES_<FLAG>, e.g. SCATTERBYTES_NETWORK
// for --network.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := rootCmd()
	err := cmd.ExecuteContext(ctx)
	stopCPUProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scatterbytes:", humanError(err))
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Command scatterbytes plays every ScatterBytes role: storage node, client,
// coordinator, CA and local testnet. Every flag can also be set through an
// environment variable named SCATTERBYTES_<FLAG>, e.g. SCATTERBYTES_NETWORK
// for --network. The exit status is 0 on success, 1 when the operation
// failed, 2 on wrong or missing arguments or flags and 130 when interrupted.
package main

import (
	"context"
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
		logger().Debug("command failed", "err", err)
		os.Exit(exitCode(err, ctx.Err() != nil))
	}
}

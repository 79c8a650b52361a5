// Package nettest is the testing.TB face of the in-process network
// (package testnet): New and NewWith start one for a test and stop it in
// t.Cleanup, Rogue starts a peer with a bad certificate. Only _test.go
// files import it, so that testing stays out of every program.
package nettest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// New starts a coordinator (peer 0: CA, enrolment, bootstrap) and n
// storage nodes (peers 1..n) in a temporary directory for a test, waits
// until it is ready and stops it in t.Cleanup.
func New(t testing.TB, n int) *testnet.Network {
	t.Helper()
	return NewWith(t, testnet.Options{Nodes: n})
}

// NewWith is New with options; o.Dir defaults to a temporary directory.
// SB_TEST_LOG set in the environment sends every node's debug logs to
// standard error.
func NewWith(t testing.TB, o testnet.Options) *testnet.Network {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Logger == nil && os.Getenv("SB_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	net, err := testnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(net.Close)
	return net
}

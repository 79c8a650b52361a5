package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// latencyRuns is how many times each latency is measured (the median is
// reported; the CLI's, at most 5 times).
const latencyRuns = 11

// latency measures, with a library client kept open (warmed by one round
// first, as a program embedding the library would be), a 1 KiB put
// followed by a get, and the time from Open to the first byte of the big
// file; then the 1 KiB put+get through the CLI.
func (r *Report) latency(ctx context.Context, net *testnet.Network, cli func(...string) []string, runs int) error {
	c, err := testclient.Start(ctx, net, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	small := make([]byte, 1024)
	roundTrip := func() (time.Duration, error) {
		t0 := time.Now()
		ref, err := c.Put(ctx, bytes.NewReader(small), int64(len(small)), client.PutOptions{})
		if err != nil {
			return 0, err
		}
		if err := libGet(ctx, c, ref, int64(len(small))); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}
	if _, err := roundTrip(); err != nil { // warm up
		return err
	}
	var d []time.Duration
	for range runs {
		t, err := roundTrip()
		if err != nil {
			return err
		}
		d = append(d, t)
	}
	r.SmallRoundTrip = spreadOf(d)

	// The big file is filed in the CLI client's catalog; reach it by the
	// reference the bench's own put left there.
	cat, err := client.OpenCatalog(filepath.Join(net.Dir(), "client"), nil)
	if err != nil {
		return err
	}
	e, err := cat.Get(ctx, catalog.DefaultVolume, "bench")
	cat.Close()
	if err != nil {
		return err
	}
	d = d[:0]
	for range runs {
		t0 := time.Now()
		f, err := c.Open(ctx, e.Ref)
		if err != nil {
			return err
		}
		_, err = f.Read(make([]byte, 1))
		d = append(d, time.Since(t0))
		f.Close()
		if err != nil {
			return err
		}
	}
	r.TTFB = spreadOf(d)

	r.SmallRoundTripCLI, err = smallCLI(ctx, net.Dir(), cli, runs)
	return err
}

// smallCLI times runs 1 KiB puts, each followed by a get of the file, as
// processes of their own (cli makes a command line); dir holds the files.
func smallCLI(ctx context.Context, dir string, cli func(...string) []string, runs int) (Timings, error) {
	small := make([]byte, 1024)
	in := filepath.Join(dir, "small.bin")
	if err := os.WriteFile(in, small, 0o600); err != nil {
		return Timings{}, err
	}
	out := filepath.Join(dir, "small.out")
	defer os.Remove(in)
	defer os.Remove(out)
	var d []time.Duration
	for range runs {
		os.Remove(out)
		put, _, _, err := timed(ctx, cli("put", in, "--name", "small"))
		if err != nil {
			return Timings{}, fmt.Errorf("small put: %w", err)
		}
		get, _, _, err := timed(ctx, cli("get", "small", out))
		if err != nil {
			return Timings{}, fmt.Errorf("small get: %w", err)
		}
		d = append(d, put+get)
	}
	return spreadOf(d), nil
}

// SmallCLI starts the network as Run does and measures only the 1 KiB
// put+get through the CLI, runs times, after one pair that is not
// counted: Run's client has put and got a file before, and so has
// peers it remembers (package p2p/node), which a fresh directory lacks.
func SmallCLI(ctx context.Context, o Options, runs int) (Timings, error) {
	if err := os.RemoveAll(o.Dir); err != nil {
		return Timings{}, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return Timings{}, err
	}
	net, _, stop, err := startNetwork(ctx, o)
	if err != nil {
		return Timings{}, err
	}
	defer stop()
	clientDir := filepath.Join(o.Dir, "client")
	if err := testclient.WriteDir(net, clientDir); err != nil {
		return Timings{}, err
	}
	prof := filepath.Join(o.Dir, testnet.ProfileFile)
	cli := func(args ...string) []string {
		return append([]string{o.Bin, "--network", prof, "--dir", clientDir, "--log-level", "warn"}, args...)
	}
	if _, err := smallCLI(ctx, o.Dir, cli, 1); err != nil {
		return Timings{}, err
	}
	return smallCLI(ctx, o.Dir, cli, runs)
}

package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// Clients is the phase where several users store and read at once: N
// client processes, each with its own directory, key and catalog (the
// CLI's catalog is locked by one process, and each user is a separate
// peer to the nodes, as on a real network, so per-peer limits apply to
// each), put a file each at the same moment, then get it back at the same
// moment. Processes rather than library clients in one process: that is
// what N users are, and one process's scheduler and heap would make them
// wait on each other in ways no user's would.
type Clients struct {
	N    int   // client processes
	Size int64 // each one's file
	// Put and Get are the two rounds.
	Put, Get Round
}

// Round is one round of the Clients phase.
type Round struct {
	Wall    time.Duration   // from the first start to the last end
	Rate    float64         // all the files' bytes over Wall
	Times   []time.Duration // each file's time, sorted, the successful ones
	Refused []string        // the errors of those that failed, one line each
}

// Percentile returns the p-th percentile (0–100) of the file times, by
// the nearest rank.
func (r Round) Percentile(p float64) time.Duration {
	if len(r.Times) == 0 {
		return 0
	}
	i := int(float64(len(r.Times))*p/100+0.5) - 1
	return r.Times[max(0, min(i, len(r.Times)-1))]
}

// manyClients runs the Clients phase with n clients of size bytes each.
// bin is the scatterbytes binary and prof the network profile.
func manyClients(ctx context.Context, net *testnet.Network, bin, dir string, n int, size int64) (*Clients, error) {
	prof := filepath.Join(dir, testnet.ProfileFile)
	cli := make([]func(...string) []string, n)
	for i := range n {
		cdir := filepath.Join(dir, fmt.Sprintf("client%02d", i+1))
		if err := testclient.WriteDir(net, cdir); err != nil {
			return nil, err
		}
		cli[i] = func(args ...string) []string {
			return append([]string{bin, "--network", prof, "--dir", cdir, "--log-level", "warn"}, args...)
		}
	}
	c := &Clients{N: n, Size: size}
	sum := generatedSum(size)
	stored := make([]bool, n)
	c.Put = round(n, size, func(i int) error {
		_, _, _, err := timedIO(ctx, cli[i]("put", "-", "--size", fmt.Sprint(size), "--name", "many"), newGenerated(size), nil)
		stored[i] = err == nil
		return err
	})
	c.Get = round(n, size, func(i int) error {
		if !stored[i] {
			return fmt.Errorf("client %d: not tried, its put failed", i+1)
		}
		h := newHasher()
		if _, _, _, err := timedIO(ctx, cli[i]("get", "many", "-"), nil, h); err != nil {
			return err
		}
		if h.Sum() != sum {
			return fmt.Errorf("client %d: the file read back differs from the one put", i+1)
		}
		return nil
	})
	return c, ctx.Err()
}

// round runs do(0..n-1) at once and times each.
func round(n int, size int64, do func(i int) error) Round {
	var (
		r  Round
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			err := do(i)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Refused = append(r.Refused, lastLine(err.Error()))
				return
			}
			r.Times = append(r.Times, d)
		}()
	}
	wg.Wait()
	r.Wall = time.Since(start)
	slices.Sort(r.Times)
	r.Rate = float64(int64(len(r.Times))*size) / r.Wall.Seconds()
	return r
}

// lastLine is the last line of s: of a command's error with its
// standard error, the command's own message, after any logs.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

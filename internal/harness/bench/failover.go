package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// Failover is the last phase of a run: gets of one file before and after
// two node processes are killed with SIGKILL (no goodbye: their peers
// learn of it only from silence or a refused dial). Each figure is a
// median with its range.
type Failover struct {
	Size int64 // the file's size
	Runs int   // gets per figure
	// CLI gets, a fresh process each, as a user runs them.
	CLIHealthy, CLIDead Timings
	// Gets with one library client kept open: LibFirstDead is its first
	// get after the kill (when it learns which holders are dead),
	// LibDead the ones after.
	LibHealthy, LibDead Timings
	LibFirstDead        time.Duration
	Hedges              int64 // the library client's hedged requests, all gets after the kill
}

// Timings is the median and range of a few timings.
type Timings struct{ Median, Min, Max time.Duration }

func spreadOf(d []time.Duration) Timings {
	s := slices.Clone(d)
	slices.Sort(s)
	return Timings{Median: s[len(s)/2], Min: s[0], Max: s[len(s)-1]}
}

func (s Timings) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("%v (%v–%v)", r(s.Median), r(s.Min), r(s.Max))
}

// failover measures Failover on the running network: it puts a file of
// size bytes, times runs gets of it, kills the node processes pids[0]
// and pids[1], and times runs gets again. cli makes a CLI command line.
func failover(ctx context.Context, net *testnet.Network, dir string, size int64, runs int, pids []int, cli func(...string) []string) (*Failover, error) {
	if len(pids) < 2 {
		return nil, fmt.Errorf("failover: %d node processes, need 2 to kill", len(pids))
	}
	f := &Failover{Size: size, Runs: runs}
	in := filepath.Join(dir, "failover.bin")
	sum, err := writeRandom(in, size)
	if err != nil {
		return nil, err
	}
	defer os.Remove(in)
	if _, _, _, err := timed(ctx, cli("put", in, "--name", "failover")); err != nil {
		return nil, fmt.Errorf("failover put: %w", err)
	}
	c, err := testclient.Start(ctx, net, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cat, err := client.OpenCatalog(filepath.Join(dir, "client"), nil)
	if err != nil {
		return nil, err
	}
	e, err := cat.Get(ctx, catalog.DefaultVolume, "failover")
	cat.Close()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "failover.out")
	defer os.Remove(out)
	cliGets := func() (Timings, error) {
		var d []time.Duration
		for range runs {
			os.Remove(out)
			wall, _, _, err := timed(ctx, cli("get", "failover", out))
			if err != nil {
				return Timings{}, err
			}
			d = append(d, wall)
		}
		got, err := hashFile(out)
		if err == nil && got != sum {
			err = fmt.Errorf("failover: download differs from the upload")
		}
		return spreadOf(d), err
	}
	libGets := func(n int) ([]time.Duration, error) {
		var d []time.Duration
		for range n {
			t0 := time.Now()
			if err := libGet(ctx, c, e.Ref, size); err != nil {
				return nil, err
			}
			d = append(d, time.Since(t0))
		}
		return d, nil
	}
	if err := libGet(ctx, c, e.Ref, size); err != nil { // warm: connections, speeds
		return nil, err
	}
	lib, err := libGets(runs)
	if err != nil {
		return nil, err
	}
	f.LibHealthy = spreadOf(lib)
	if f.CLIHealthy, err = cliGets(); err != nil {
		return nil, err
	}
	for _, pid := range pids[:2] {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return nil, fmt.Errorf("kill node process %d: %w", pid, err)
		}
	}
	hedges := c.Stats().Hedges.Load()
	if lib, err = libGets(runs + 1); err != nil {
		return nil, fmt.Errorf("get after the kill: %w", err)
	}
	f.LibFirstDead, f.LibDead = lib[0], spreadOf(lib[1:])
	f.Hedges = c.Stats().Hedges.Load() - hedges
	if f.CLIDead, err = cliGets(); err != nil {
		return nil, fmt.Errorf("get after the kill: %w", err)
	}
	return f, nil
}

// libGet reads the whole file ref (size bytes) with c.
func libGet(ctx context.Context, c *client.Client, ref manifest.Ref, size int64) error {
	f, err := c.Open(ctx, ref)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := f.WriteTo(io.Discard)
	if err == nil && n != size {
		err = fmt.Errorf("got %d of %d bytes", n, size)
	}
	return err
}

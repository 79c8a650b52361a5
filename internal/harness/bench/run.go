package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/zeebo/blake3"

	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
)

// Options shape a run.
type Options struct {
	// Bin is the scatterbytes binary that runs nodes, put and get.
	Bin string
	// Dir holds everything the run writes; it is emptied first.
	Dir string
	// Size is the test file's size.
	Size int64
	// Nodes is the number of storage node processes.
	Nodes int
	// Redundancy is "k+m".
	Redundancy string
	// Out receives progress lines.
	Out io.Writer
	// FailoverSize, when positive, ends the run with the failover phase
	// (see Failover) on a file of that size, FailoverRuns gets per figure
	// (default 5). It kills two node processes.
	FailoverSize int64
	FailoverRuns int
	// Generated feeds the put its bytes from a generator on standard
	// input ("put -") and hashes the get's standard output as it streams,
	// so that nothing the size of the file is written but what the nodes
	// store: how a file of any size is measured.
	Generated bool
	// Epoch is the network's epoch length (0: the testnet's 2s). Each
	// epoch a node commits to its whole inventory, which at 100,000
	// chunks is seconds of one core's work: a fill wants epochs nearer a
	// real network's (hours) for the node to keep up.
	Epoch time.Duration
	// FillChunks, when positive, has the run fill the last node process
	// with that many chunks of FillSize bytes (default 4 KiB) and read its
	// RSS (see Fill).
	FillChunks, FillSize int
	// Clients, when positive, adds the phase where that many client
	// processes put and get a file of ClientSize bytes each at once (see
	// Clients).
	Clients    int
	ClientSize int64
	// Quick shortens every measurement (CI runs the bench this way, so
	// that it cannot rot: its figures are then only sane, not settled).
	Quick bool
}

// Report holds a run's figures; rates are bytes per second.
type Report struct {
	Size                 int64
	Redundancy           string
	AESGCM, Stream, Disk float64       // AES-256-GCM on one core, one TLS stream, writing a new file
	StreamCPU            time.Duration // both ends of the stream ceiling
	// BatchedStream is the stream over the transport the nodes and
	// clients use (p2p/tlsbatch, node.Muxer); not a ceiling, reported
	// beside it.
	BatchedStream    float64
	BatchedStreamCPU time.Duration
	// Spread and Gather move the upload's wire bytes from one process to
	// Nodes processes and the file's bytes back, over ScatterBytes'
	// transport with no data-path work: what the bench's layout of
	// processes on this machine's cores allows the transport alone.
	Spread, Gather       float64
	SpreadCPU, GatherCPU time.Duration // per Size bytes of file, like the phases
	Work                 Work          // the data path's required work, on one core
	K, M                 int           // Redundancy
	Upload, Download     Phase
	// TTFB and SmallRoundTrip are with a library client kept open,
	// SmallRoundTripCLI a put and a get process; see latency.
	TTFB, SmallRoundTrip, SmallRoundTripCLI Timings
	Failover                                *Failover // nil unless Options.FailoverSize > 0
	// StorePut is a node's chunk store put against a raw write+fsync.
	StorePut StorePut
	Fill     *Fill    // nil unless Options.FillChunks > 0
	Clients  *Clients // nil unless Options.Clients > 0
}

// Phase is one client command of the run, put or get.
type Phase struct {
	Rate     float64       // file bytes per second
	Wall     time.Duration // the command's wall time
	RSS      int64         // its peak resident bytes
	NodesRSS []int64       // each node process's peak resident bytes meanwhile
	CPU      time.Duration // its user+system CPU time
	NodesCPU time.Duration // what the node processes and the coordinator used meanwhile
}

// Run measures the ceilings and then the data path.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := os.RemoveAll(o.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	r := &Report{Size: o.Size, Redundancy: o.Redundancy}
	logf := func(format string, a ...any) { fmt.Fprintf(o.Out, format+"\n", a...) }

	red, err := erasure.ParseRedundancy(o.Redundancy)
	if err != nil {
		return nil, err
	}
	r.K, r.M = red.K, red.M
	spend := func(d time.Duration) time.Duration { // how long a CPU figure is measured
		if o.Quick {
			return d / 10
		}
		return d
	}
	r.AESGCM = AESGCM(spend(time.Second))
	logf("ceiling: AES-256-GCM, one core: %.0f MB/s", r.AESGCM/1e6)
	if r.Work, err = MeasureWork(red.K, red.M, spend(300*time.Millisecond)); err != nil {
		return nil, fmt.Errorf("work: %w", err)
	}
	logf("work, one core, CPU-s per GiB: BLAKE3 %.3f, seal %.3f, open %.3f, %s parity %.3f", r.Work.Hash, r.Work.Seal, r.Work.Open, o.Redundancy, r.Work.Encode)
	streamSize := min(o.Size, 1<<30)
	// The best of two runs: a single one came out anywhere between 657
	// and 1,047 MB/s on the same machine, and a ceiling is what the
	// machine can do.
	best := func(batched bool) (float64, time.Duration, error) {
		var rate float64
		var cpu time.Duration
		for range 2 {
			r, c, err := Stream(ctx, []string{o.Bin, "bench", "sink"}, o.Dir, streamSize, batched)
			if err != nil {
				return 0, 0, err
			}
			if r > rate {
				rate, cpu = r, c
			}
		}
		return rate, scaled(cpu, o.Size, streamSize), nil // per o.Size bytes, like the others
	}
	if r.Stream, r.StreamCPU, err = best(false); err != nil {
		return nil, fmt.Errorf("stream ceiling: %w", err)
	}
	logf("ceiling: one libp2p TLS stream between two processes: %.0f MB/s (%v CPU for %d MiB)", r.Stream/1e6, r.StreamCPU.Round(time.Millisecond), o.Size>>20)
	// Not a ceiling, shown beside it: the same stream over the transport
	// ScatterBytes runs, which writes each frame's records at once
	// (p2p/tlsbatch) and caps yamux windows (node.Muxer).
	if r.BatchedStream, r.BatchedStreamCPU, err = best(true); err != nil {
		return nil, fmt.Errorf("batched stream: %w", err)
	}
	logf("same, over ScatterBytes' transport (batched TLS): %.0f MB/s (%v CPU for %d MiB)", r.BatchedStream/1e6, r.BatchedStreamCPU.Round(time.Millisecond), o.Size>>20)

	wire := streamSize * int64(red.K+red.M) / int64(red.K)
	sink := []string{o.Bin, "bench", "sink"}
	if r.Spread, r.SpreadCPU, err = Spread(ctx, sink, o.Dir, o.Nodes, wire, true, false); err != nil {
		return nil, fmt.Errorf("spread: %w", err)
	}
	r.Spread = r.Spread * float64(red.K) / float64(red.K+red.M) // in file bytes
	r.SpreadCPU = scaled(r.SpreadCPU, o.Size, streamSize)
	logf("transport alone, one process to %d (%s: %d MiB on the wire): %.0f MB/s of file (%v CPU for %d MiB)", o.Nodes, o.Redundancy, wire>>20, r.Spread/1e6, r.SpreadCPU.Round(time.Millisecond), o.Size>>20)
	if r.Gather, r.GatherCPU, err = Spread(ctx, sink, o.Dir, o.Nodes, streamSize, true, true); err != nil {
		return nil, fmt.Errorf("gather: %w", err)
	}
	r.GatherCPU = scaled(r.GatherCPU, o.Size, streamSize)
	logf("transport alone, %d processes to one: %.0f MB/s (%v CPU for %d MiB)", o.Nodes, r.Gather/1e6, r.GatherCPU.Round(time.Millisecond), o.Size>>20)

	if r.Disk, err = FileWrite(o.Dir, streamSize); err != nil {
		return nil, fmt.Errorf("disk ceiling: %w", err)
	}
	logf("ceiling: writing a new file, synced: %.0f MB/s", r.Disk/1e6)
	rounds, pairs := 5, 8
	if o.Quick {
		rounds, pairs = 3, 4
	}
	if r.StorePut, err = MeasureStorePut(ctx, o.Dir, rounds, pairs); err != nil {
		return nil, fmt.Errorf("store put: %w", err)
	}
	sp := r.StorePut
	logf("chunk store put of 4 MiB: %.0f MB/s, raw write+fsync beside it %.0f MB/s: %.2f (%.2f–%.2f) of raw over %d rounds",
		sp.Store/1e6, sp.Raw/1e6, sp.Ratio, sp.RatioMin, sp.RatioMax, sp.Rounds)

	net, pids, stop, err := startNetwork(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()
	logf("network: coordinator and %d node processes up", o.Nodes)

	var sum [32]byte
	file := filepath.Join(o.Dir, "input.bin")
	if o.Generated {
		sum = generatedSum(o.Size)
	} else if sum, err = writeRandom(file, o.Size); err != nil {
		return nil, err
	}
	clientDir := filepath.Join(o.Dir, "client")
	if err := testclient.WriteDir(net, clientDir); err != nil {
		return nil, err
	}
	prof := filepath.Join(o.Dir, testnet.ProfileFile)
	cli := func(args ...string) []string {
		return append([]string{o.Bin, "--network", prof, "--dir", clientDir, "--log-level", "warn"}, args...)
	}
	nodes := cpuMeter{pids: pids, self: true}
	nodesRSS := rssMeter{pids: pids}
	phase := func(name string, args []string, in io.Reader, out io.Writer) (Phase, error) {
		nodes.Start()
		nodesRSS.Start()
		wall, rss, cpu, err := timedIO(ctx, args, in, out)
		if err != nil {
			return Phase{}, fmt.Errorf("%s: %w", name, err)
		}
		p := Phase{Rate: float64(o.Size) / wall.Seconds(), Wall: wall, RSS: rss, CPU: cpu, NodesCPU: nodes.Stop(), NodesRSS: nodesRSS.Stop()}
		logf("%-9s %.0f MB/s (%v; CPU: client %v, nodes %v; peak RSS: client %d MiB, nodes %d MiB at most)", name+":", p.Rate/1e6, wall.Round(time.Millisecond),
			cpu.Round(time.Millisecond), p.NodesCPU.Round(time.Millisecond), rss>>20, slices.Max(append(p.NodesRSS, 0))>>20)
		return p, nil
	}
	put := cli("put", file, "--name", "bench", "--redundancy", o.Redundancy)
	var in io.Reader
	if o.Generated {
		put = cli("put", "-", "--size", fmt.Sprint(o.Size), "--name", "bench", "--redundancy", o.Redundancy)
		in = newGenerated(o.Size)
	}
	if r.Upload, err = phase("upload", put, in, nil); err != nil {
		return nil, err
	}
	out := filepath.Join(o.Dir, "output.bin")
	get, h := cli("get", "bench", out), newHasher()
	if o.Generated {
		get = cli("get", "bench", "-")
	}
	if r.Download, err = phase("download", get, nil, h.h); err != nil {
		return nil, err
	}
	got := h.Sum()
	if !o.Generated {
		if got, err = hashFile(out); err != nil {
			return nil, err
		}
		os.Remove(out)
	}
	if got != sum {
		return nil, fmt.Errorf("downloaded file differs from the upload")
	}
	runs := latencyRuns
	if o.Quick {
		runs = 3
	}
	if err := r.latency(ctx, net, cli, runs); err != nil {
		return nil, err
	}
	logf("latency:  time to first byte %v, 1 KiB put+get %v, through the CLI %v", r.TTFB, r.SmallRoundTrip, r.SmallRoundTripCLI)
	if o.Clients > 0 {
		if r.Clients, err = manyClients(ctx, net, o.Bin, o.Dir, o.Clients, o.ClientSize); err != nil {
			return nil, err
		}
		for _, rd := range []struct {
			name string
			r    Round
		}{{"put", r.Clients.Put}, {"get", r.Clients.Get}} {
			logf("clients:  %d %ss of %d MiB at once: %.0f MB/s in all, per file %v (p50) %v (p99), %d refused",
				o.Clients, rd.name, o.ClientSize>>20, rd.r.Rate/1e6, rd.r.Percentile(50).Round(time.Millisecond), rd.r.Percentile(99).Round(time.Millisecond), len(rd.r.Refused))
			for _, e := range rd.r.Refused {
				logf("          refused: %s", e)
			}
		}
	}
	if o.FillChunks > 0 {
		size := o.FillSize
		if size <= 0 {
			size = 4 << 10
		}
		last := len(pids) - 1
		if r.Fill, err = fill(ctx, net, nodeDir(o.Dir, last), pids[last], o.FillChunks, size); err != nil {
			return nil, err
		}
		fl := r.Fill
		logf("fill:     %d chunks of %d KiB on one node in %v; its RSS: peak %d MiB, after %d MiB",
			fl.Chunks, fl.ChunkSize>>10, fl.Wall.Round(time.Millisecond), fl.PeakRSS>>20, fl.RSS>>20)
	}
	if o.FailoverSize > 0 {
		runs := o.FailoverRuns
		if runs < 1 {
			runs = 5
		}
		if r.Failover, err = failover(ctx, net, o.Dir, o.FailoverSize, runs, pids, cli); err != nil {
			return nil, err
		}
		fo := r.Failover
		logf("failover: get of %d MiB, healthy: CLI %v, library %v", fo.Size>>20, fo.CLIHealthy, fo.LibHealthy)
		logf("failover: after kill -9 of 2 nodes: CLI %v, library first %v then %v (%d hedged requests)",
			fo.CLIDead, fo.LibFirstDead.Round(time.Millisecond), fo.LibDead, fo.Hedges)
	}
	return r, nil
}

// scaled is d × num/den, in floating point: a CPU time for 1 GiB times
// 10 GiB overflows a Duration's nanoseconds.
func scaled(d time.Duration, num, den int64) time.Duration {
	return time.Duration(float64(d) * float64(num) / float64(den))
}

// startNetwork runs the coordinator in this process and each storage node
// as its own process, and waits until the coordinator routes to them all.
func startNetwork(ctx context.Context, o Options) (*testnet.Network, []int, func(), error) {
	net, err := testnet.Start(ctx, testclient.WithCoordinator(testnet.Options{Dir: o.Dir, Nodes: 0, Epoch: o.Epoch, Logger: slog.New(slog.DiscardHandler)}, nil))
	if err != nil {
		return nil, nil, nil, err
	}
	prof := filepath.Join(o.Dir, testnet.ProfileFile)
	var procs []*exec.Cmd
	stop := func() {
		for _, p := range procs {
			p.Process.Signal(os.Interrupt)
		}
		for _, p := range procs {
			p.Wait()
		}
		net.Close()
	}
	for i := range o.Nodes {
		dir := nodeDir(o.Dir, i)
		if out, err := exec.CommandContext(ctx, o.Bin, "--dir", dir, "init").CombinedOutput(); err != nil {
			stop()
			return nil, nil, nil, fmt.Errorf("init node %d: %v: %s", i+1, err, out)
		}
		cmd := exec.Command(o.Bin, "--network", prof, "--dir", dir, "--log-level", "warn",
			"node", "run", "--ip", "127.0.0.1", "--port", "0", "--capacity", fmt.Sprint(4*o.Size+1<<30),
			"--dashboard", "") // N nodes would race for the default port
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			stop()
			return nil, nil, nil, err
		}
		procs = append(procs, cmd)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err = wait.For(wctx, func() error {
		if n := net.Coordinator().Node().DHT().RoutingTable().Size(); n < o.Nodes {
			return fmt.Errorf("coordinator routes to %d of %d nodes", n, o.Nodes)
		}
		return nil
	})
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	var pids []int
	for _, p := range procs {
		pids = append(pids, p.Process.Pid)
	}
	return net, pids, stop, nil
}

// nodeDir is the directory of node process i (from 0).
func nodeDir(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("proc%02d", i+1)) }

// timed runs args and returns its wall time, peak RSS and CPU time (user
// plus system): the CPU time says what a change saved even when other
// work on the machine disturbs the wall time.
func timed(ctx context.Context, args []string) (time.Duration, int64, time.Duration, error) {
	return timedIO(ctx, args, nil, nil)
}

// timedIO is timed with standard input read from in and standard output
// written to out (nil: none and discarded).
func timedIO(ctx context.Context, args []string, in io.Reader, out io.Writer) (time.Duration, int64, time.Duration, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr bytes.Buffer
	if out == nil {
		out = io.Discard
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	wall := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss << 10 // kilobytes on Linux
	}
	return wall, rss, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// Latency bounds (issue 20): with a library client kept open, the first
// byte of a download and a 1 KiB put+get; through the CLI, a fresh
// process each, a 1 KiB put+get.
const (
	TTFBBound          = 20 * time.Millisecond
	SmallRoundTripWarm = 15 * time.Millisecond
	SmallRoundTripCLI  = 50 * time.Millisecond
)

// writeRandom writes size pseudo-random bytes (ChaCha8: fast, and no
// compressor or deduplicator can shrink them) and returns their BLAKE3.
func writeRandom(path string, size int64) ([32]byte, error) {
	f, err := os.Create(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	var seed [32]byte
	rng := rand.NewChaCha8(seed)
	h := blake3.New()
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		b := buf[:min(int64(len(buf)), left)]
		rng.Read(b)
		h.Write(b)
		if _, err := f.Write(b); err != nil {
			return [32]byte{}, err
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, f.Close()
}

func hashFile(path string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := blake3.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// UploadFloor is the least CPU time an upload of Size bytes can take here:
// the transport alone, in the bench's layout of processes (Spread), plus
// the work the data path cannot skip at one core's speed: the client seals
// the file, codes parity and hashes every shard, and each node hashes what
// it receives. Disk, protocol and scheduling are left out, so no upload
// can take less.
func (r *Report) UploadFloor() (transport, work time.Duration) {
	wire := float64(r.K+r.M) / float64(r.K)
	return r.SpreadCPU, r.perSize(r.Work.Seal + r.Work.Encode + 2*wire*r.Work.Hash)
}

// DownloadFloor is UploadFloor for the download: the transport alone
// (Gather), and the client's hashing and opening of the file's bytes.
func (r *Report) DownloadFloor() (transport, work time.Duration) {
	return r.GatherCPU, r.perSize(r.Work.Hash + r.Work.Open)
}

// perSize turns seconds per GiB into the time for Size bytes.
func (r *Report) perSize(perGiB float64) time.Duration {
	return time.Duration(perGiB * float64(r.Size) / (1 << 30) * float64(time.Second))
}

// Memory bounds (issue 20): the peak RSS of a put or get process of any
// file size, and of a storage node process meanwhile.
const (
	ClientRSSBound = 128 << 20
	NodeRSSBound   = 150 << 20
)

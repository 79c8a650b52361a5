package soak

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// Config shapes a soak. Zero fields take the defaults in Run.
type Config struct {
	Seed     int64
	Duration time.Duration // how long clients work before the final check
	Dir      string        // must exist; holds the network

	Nodes    int   // storage nodes (default 9)
	Clients  int   // clients (default 2)
	Workers  int   // goroutines per client (default 2)
	Capacity int64 // each node's store limit (default 24 MiB)
	MaxFile  int64 // largest file (default 4 MiB)
	MaxLive  int64 // plaintext kept stored before deletes dominate (default 24 MiB)

	FaultEvery time.Duration // mean time between faults (default 2s)
	CheckEvery time.Duration // time between checkpoints (default 30s)
	OpTimeout  time.Duration // one put, get or delete (default 2m)

	Logger *slog.Logger                  // the network's and clients' logs; nil: none
	Logf   func(format string, a ...any) // progress lines; nil: none
}

func (c *Config) defaults() {
	set := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	set(&c.Nodes, 9)
	set(&c.Clients, 2)
	set(&c.Workers, 2)
	set64 := func(p *int64, v int64) {
		if *p == 0 {
			*p = v
		}
	}
	set64(&c.Capacity, 24<<20)
	set64(&c.MaxFile, 4<<20)
	set64(&c.MaxLive, 24<<20)
	setD := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	setD(&c.FaultEvery, 2*time.Second)
	setD(&c.CheckEvery, 30*time.Second)
	setD(&c.OpTimeout, 2*time.Minute)
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// soak is one run.
type soak struct {
	cfg     Config
	net     *testnet.Network
	clients []*client.Client
	m       *model
	byID    map[peer.ID]int // node index by peer ID

	// gate: clients and faults hold it shared per step; checkpoints and
	// restarts hold it alone, so they see the network at rest.
	gate sync.RWMutex

	nmu        sync.Mutex
	down       int // the stopped node, 0 if none
	stops      int // stops so far
	full       int // the filled node, 0 if none
	beforeStop map[string]bool

	fillers map[int][]string // node → filler chunk IDs (conductor only)

	ops, errs, faults, verified, chunks tally
	fmu                                 sync.Mutex
	failures                            []string
	errSamples                          map[string]string
}

// Run runs a soak and returns its report. The error is for a network that
// would not start; what the soak finds is in Report.Failures.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	start := time.Now()
	cfg.Logf("soak: seed %d for %s on %d nodes, %d clients × %d workers", cfg.Seed, cfg.Duration, cfg.Nodes, cfg.Clients, cfg.Workers)
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	net, err := testnet.Start(sctx, testclient.WithStorage(testnet.Options{
		Dir: cfg.Dir, Nodes: cfg.Nodes, Capacity: cfg.Capacity, Logger: cfg.Logger,
	}))
	if err != nil {
		return nil, fmt.Errorf("start network: %w", err)
	}
	defer net.Close()
	s := &soak{cfg: cfg, net: net, m: newModel(cfg.Seed), byID: map[peer.ID]int{},
		fillers: map[int][]string{}, errSamples: map[string]string{}}
	for _, p := range net.Nodes() {
		s.byID[p.ID] = p.Index
		// A restarted node comes back on its port, as a real one does.
		var listen []string
		for _, a := range p.Node().AddrInfo().Addrs {
			listen = append(listen, a.String())
		}
		p.Config().Listen = listen
	}
	for range cfg.Clients {
		c, err := testclient.Start(sctx, net, nil)
		if err != nil {
			return nil, fmt.Errorf("start client: %w", err)
		}
		defer c.Close()
		s.clients = append(s.clients, c)
	}

	deadline := time.Now().Add(cfg.Duration)
	wctx, wcancel := context.WithDeadline(ctx, deadline)
	defer wcancel()
	var g errgroup.Group
	for ci := range s.clients {
		for w := range cfg.Workers {
			r := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(1+ci*cfg.Workers+w)))
			g.Go(func() error { s.work(wctx, ci, r); return nil })
		}
	}
	g.Go(func() error { s.conduct(wctx, rand.New(rand.NewPCG(uint64(cfg.Seed), 0))); return nil })
	g.Wait()
	cfg.Logf("soak: clients stopped after %s; final check", time.Since(start).Round(time.Second))
	s.final(ctx)
	return s.report(time.Since(start)), nil
}

// work runs client ci's operations until ctx ends.
func (s *soak) work(ctx context.Context, ci int, r *rand.Rand) {
	for ctx.Err() == nil {
		s.gate.RLock()
		s.step(ctx, ci, r)
		s.gate.RUnlock()
	}
}

// step runs one operation: put, get (whole or a range) or delete, deletes
// taking over when the stored plaintext passes MaxLive.
func (s *soak) step(ctx context.Context, ci int, r *rand.Rand) {
	s.m.mu.Lock()
	over := s.m.liveB > s.cfg.MaxLive
	s.m.mu.Unlock()
	p := r.IntN(100)
	switch {
	case !over && p < 40:
		s.put(ctx, ci, r)
	case p < 85 || (over && p < 60):
		s.get(ctx, ci, r)
	default:
		s.remove(ctx, ci, r)
	}
}

// fail records a failure: something the soak promises did not hold.
func (s *soak) fail(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	s.cfg.Logf("soak: FAILURE: %s", msg)
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.failures = append(s.failures, msg)
}

// opError counts an operation's error by kind and keeps one example of
// each kind.
func (s *soak) opError(op string, err error) {
	k := op + ":" + errKind(err)
	s.errs.add(k)
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if _, ok := s.errSamples[k]; !ok {
		s.errSamples[k] = err.Error()
	}
}

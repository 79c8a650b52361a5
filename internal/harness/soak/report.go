package soak

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
)

var errNoManifest = client.ErrNoManifest

// Report is what a soak did and found.
type Report struct {
	Seed     int64
	Planned  time.Duration
	Elapsed  time.Duration
	Ops      string // operations by kind: "delete=3 get=10 ..."
	Errors   string // operation errors by op and kind
	Faults   string // faults injected by kind (and checkpoints held)
	Verified string // files read back identical, by where
	Chunks   string // chunk files on the nodes at the end, by whose
	NOps     int
	NFaults  int
	NVerify  int
	Samples  []string // one error of each kind
	Failures []string
}

// Replay is the command that runs the same seed again.
func (r *Report) Replay() string {
	return fmt.Sprintf("go test -run Soak ./internal/harness/soak -soak=%s -seed=%d", r.Planned, r.Seed)
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak seed=%d planned=%s elapsed=%s\n", r.Seed, r.Planned, r.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "operations (%d): %s\n", r.NOps, r.Ops)
	fmt.Fprintf(&b, "operation errors: %s\n", r.Errors)
	for _, s := range r.Samples {
		fmt.Fprintf(&b, "  e.g. %s\n", s)
	}
	fmt.Fprintf(&b, "faults (%d): %s\n", r.NFaults, r.Faults)
	fmt.Fprintf(&b, "verified (%d): %s\n", r.NVerify, r.Verified)
	fmt.Fprintf(&b, "chunk files at the end: %s\n", r.Chunks)
	fmt.Fprintf(&b, "failures: %d\n", len(r.Failures))
	for i, f := range r.Failures {
		if i == 30 {
			fmt.Fprintf(&b, "  ... %d more\n", len(r.Failures)-i)
			break
		}
		fmt.Fprintf(&b, "  %s\n", f)
	}
	fmt.Fprintf(&b, "replay: %s\n", r.Replay())
	return b.String()
}

func (s *soak) report(elapsed time.Duration) *Report {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	r := &Report{
		Seed: s.cfg.Seed, Planned: s.cfg.Duration, Elapsed: elapsed,
		Ops: s.ops.String(), Errors: s.errs.String(), Faults: s.faults.String(),
		Verified: s.verified.String(), Chunks: s.chunks.String(),
		NOps: s.ops.total(), NFaults: s.faults.total() - s.faults.get("checkpoint"), NVerify: s.verified.total(),
		Failures: append([]string(nil), s.failures...),
	}
	var ks []string
	for k := range s.errSamples {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		r.Samples = append(r.Samples, k+": "+s.errSamples[k])
	}
	return r
}

// leftovers counts the chunk files on every node by whose they are: a live
// file's, a deleted file's (left on a node that was down, or never
// deleted), or no known file's (a failed put's, or a manifest chunk past
// the root).
func (s *soak) leftovers() {
	whose := map[string]string{}
	what := map[string]string{} // for the log
	s.m.mu.Lock()
	for _, f := range s.m.files {
		kind := "live"
		switch f.state {
		case deleted:
			kind = "deleted"
			if f.clean {
				kind = "deleted-clean"
			}
		case unknown:
			kind = "delete-failed"
		}
		whose[f.ref.Manifest.String()] = kind
		what[f.ref.Manifest.String()] = f.name + "'s manifest root"
		if f.man != nil {
			for si, st := range f.man.Stripes {
				for j, sh := range st.Shards {
					whose[sh.ID.String()] = kind
					var hs []int
					for _, h := range sh.Holders {
						if id, err := peer.IDFromBytes(h); err == nil {
							hs = append(hs, s.byID[id])
						}
					}
					what[sh.ID.String()] = fmt.Sprintf("%s's stripe %d shard %d (holders %v)", f.name, si, j, hs)
				}
			}
		}
	}
	s.m.mu.Unlock()
	for _, p := range s.net.Nodes() {
		files, err := chunkFiles(p.Dir)
		if err != nil {
			s.fail("node %d: %v", p.Index, err)
			continue
		}
		for id := range files {
			k, ok := whose[id]
			if !ok {
				k = "unknown"
			}
			s.chunks.add(k)
			if k == "deleted-clean" {
				s.cfg.Logf("soak: node %d still holds %s of a file removed with every node up", p.Index, what[id])
			}
		}
	}
}

package metrics

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace starts every ScatterBytes series name.
const Namespace = "scatterbytes"

// Set is one party's registry and its ScatterBytes series. Make it with
// New; a nil *Set takes every call and records nothing, so code that is
// handed none needs no checks. Its methods are safe for concurrent use.
type Set struct {
	reg *prometheus.Registry

	chunkRequests *prometheus.CounterVec
	storeOps      *prometheus.CounterVec
	gateRefusals  *prometheus.CounterVec
	proofs        *prometheus.CounterVec
	bandwidth     *Bandwidth

	mu    sync.Mutex
	once  map[string]bool          // names registered by RegisterOnce
	slots map[string]*atomic.Value // by Slot
}

// New returns a Set with its own registry, the Go runtime and process
// collectors, and the ScatterBytes counters at zero.
func New() *Set {
	s := &Set{reg: prometheus.NewRegistry(), once: map[string]bool{}, slots: map[string]*atomic.Value{}}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.chunkRequests = s.counterVec("chunk_requests_total",
		"Chunk protocol requests served, by operation and result (ok, a refusal's code, aborted).", "op", "result")
	s.storeOps = s.counterVec("store_operations_total",
		"Chunk store operations, by operation and result.", "op", "result")
	s.gateRefusals = s.counterVec("gate_refusals_total",
		"Peers and connections the certificate gate refused, by reason.", "reason")
	s.proofs = s.counterVec("proofs_total",
		"Beacons answered by this storage node, by result (published, prove_failed, publish_failed).", "result")
	s.bandwidth = newBandwidth()
	s.reg.MustRegister(s.bandwidth)
	return s
}

func (s *Set) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	s.reg.MustRegister(v)
	return v
}

// Registry is the Set's registry, for a party's own series and for tests.
func (s *Set) Registry() *prometheus.Registry {
	if s == nil {
		return prometheus.NewRegistry()
	}
	return s.reg
}

// Register adds collectors to the Set's registry; a collector already
// registered is no error (a role restarted in-process registers again).
func (s *Set) Register(cs ...prometheus.Collector) {
	if s == nil {
		return
	}
	for _, c := range cs {
		if err := s.reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err) // a programming error: two series of one name
			}
		}
	}
}

// RegisterOnce adds the collectors made by mk under key, the first time
// only: a storage node restarted in the same process (the harness does)
// keeps its Set and must not register its gauges twice.
func (s *Set) RegisterOnce(key string, mk func() []prometheus.Collector) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.once[key] {
		return
	}
	s.once[key] = true
	s.Register(mk()...)
}

// Slot returns the Set's value named key, made empty on first use. A part
// restarted in the same process with the same Set (the harness restarts
// nodes) stores itself there, and the gauges it registered once read the
// newest one through it.
func (s *Set) Slot(key string) *atomic.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.slots[key]
	if !ok {
		v = new(atomic.Value)
		s.slots[key] = v
	}
	return v
}

// Handler serves the registry in the Prometheus exposition formats.
func (s *Set) Handler() http.Handler {
	return promhttp.HandlerFor(s.Registry(), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ChunkServed counts one chunk protocol request.
func (s *Set) ChunkServed(op, result string) {
	if s != nil {
		s.chunkRequests.WithLabelValues(op, result).Inc()
	}
}

// GateRefused counts one refusal by the certificate gate.
func (s *Set) GateRefused(reason string) {
	if s != nil {
		s.gateRefusals.WithLabelValues(reason).Inc()
	}
}

// Proof counts one beacon answered (or not) by a storage node.
func (s *Set) Proof(result string) {
	if s != nil {
		s.proofs.WithLabelValues(result).Inc()
	}
}

// Bandwidth is the Set's libp2p bandwidth reporter (nil for a nil Set).
func (s *Set) Bandwidth() *Bandwidth {
	if s == nil {
		return nil
	}
	return s.bandwidth
}

// Gauge returns a gauge read from fn at each scrape.
func Gauge(name, help string, fn func() float64) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, fn)
}

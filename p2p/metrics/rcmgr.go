package metrics

import (
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	rcStreams = prometheus.NewDesc(Namespace+"_libp2p_rcmgr_streams",
		"Streams the libp2p resource manager accounts for, by scope and direction.", []string{"scope", "dir"}, nil)
	rcConns = prometheus.NewDesc(Namespace+"_libp2p_rcmgr_connections",
		"Connections the libp2p resource manager accounts for, by scope and direction.", []string{"scope", "dir"}, nil)
	rcFDs = prometheus.NewDesc(Namespace+"_libp2p_rcmgr_fds",
		"File descriptors the libp2p resource manager accounts for, by scope.", []string{"scope"}, nil)
	rcMemory = prometheus.NewDesc(Namespace+"_libp2p_rcmgr_memory_bytes",
		"Memory reserved through the libp2p resource manager, by scope.", []string{"scope"}, nil)
)

// ResourceManager returns a collector of rm's system and transient
// scopes, read at each scrape (two lock-protected copies): the cheap part
// of libp2p's resource-manager metrics.
func ResourceManager(rm ScopeViewer) prometheus.Collector { return rcmgr{rm} }

// ScopeViewer is the part of libp2p's network.ResourceScopeViewer read.
type ScopeViewer interface {
	ViewSystem(func(network.ResourceScope) error) error
	ViewTransient(func(network.ResourceScope) error) error
}

type rcmgr struct{ rm ScopeViewer }

func (r rcmgr) Describe(ch chan<- *prometheus.Desc) {
	ch <- rcStreams
	ch <- rcConns
	ch <- rcFDs
	ch <- rcMemory
}

func (r rcmgr) Collect(ch chan<- prometheus.Metric) {
	emit := func(scope string) func(network.ResourceScope) error {
		return func(s network.ResourceScope) error {
			st := s.Stat()
			g := func(d *prometheus.Desc, v float64, l ...string) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{scope}, l...)...)
			}
			g(rcStreams, float64(st.NumStreamsInbound), "in")
			g(rcStreams, float64(st.NumStreamsOutbound), "out")
			g(rcConns, float64(st.NumConnsInbound), "in")
			g(rcConns, float64(st.NumConnsOutbound), "out")
			g(rcFDs, float64(st.NumFD))
			g(rcMemory, float64(st.Memory))
			return nil
		}
	}
	_ = r.rm.ViewSystem(emit("system"))
	_ = r.rm.ViewTransient(emit("transient"))
}

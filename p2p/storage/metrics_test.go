package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// scrape reads set's /metrics as a scraper would and parses it with the
// Prometheus text parser (expfmt).
func scrape(t *testing.T, set *metrics.Set) metrics.Families {
	t.Helper()
	f, err := metrics.Scrape(set.Handler())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func storageNodes(t *testing.T, net *testnet.Network) []*storage.Node {
	t.Helper()
	var out []*storage.Node
	for _, p := range net.Nodes() {
		sn, ok := p.Role().(*storage.Node)
		if !ok {
			t.Fatalf("peer %s is not a storage node", p.Node().ID())
		}
		out = append(out, sn)
	}
	return out
}

// total sums a series over every node's scrape.
func total(t *testing.T, nodes []*storage.Node, name string, labels map[string]string) float64 {
	t.Helper()
	var sum float64
	for _, sn := range nodes {
		if v := scrape(t, sn.Storage().Metrics()).Value(name, labels); v > 0 {
			sum += v
		}
	}
	return sum
}

func TestMetricsCountPutAndGet(t *testing.T) {
	net := clienttest.NewNetwork(t, 3)
	c := clienttest.New(t, net, nil)
	nodes := storageNodes(t, net)

	fams := scrape(t, nodes[0].Storage().Metrics())
	for _, name := range []string{
		"scatterbytes_store_used_bytes", "scatterbytes_store_capacity_bytes", "scatterbytes_store_chunks",
		"scatterbytes_store_quarantined_chunks", "scatterbytes_network_received_bytes_total",
		"scatterbytes_network_sent_bytes_total", "scatterbytes_libp2p_rcmgr_streams",
		"scatterbytes_libp2p_rcmgr_memory_bytes", "scatterbytes_peers_connected",
		"scatterbytes_routing_table_peers", "go_goroutines", "process_resident_memory_bytes",
	} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if got := fams.Value("scatterbytes_store_capacity_bytes", nil); got <= 0 {
		t.Errorf("capacity %v", got)
	}
	for name := range fams {
		if !bytes.HasPrefix([]byte(name), []byte("scatterbytes_")) && !bytes.HasPrefix([]byte(name), []byte("go_")) &&
			!bytes.HasPrefix([]byte(name), []byte("process_")) {
			t.Errorf("series %s is not ours", name)
		}
	}

	before := map[string]float64{
		"put":   total(t, nodes, "scatterbytes_chunk_requests_total", map[string]string{"op": "put", "result": "ok"}),
		"get":   total(t, nodes, "scatterbytes_chunk_requests_total", map[string]string{"op": "get", "result": "ok"}),
		"sput":  total(t, nodes, "scatterbytes_store_operations_total", map[string]string{"op": "put", "result": "ok"}),
		"sget":  total(t, nodes, "scatterbytes_store_operations_total", map[string]string{"op": "get", "result": "ok"}),
		"in":    total(t, nodes, "scatterbytes_network_received_bytes_total", nil),
		"out":   total(t, nodes, "scatterbytes_network_sent_bytes_total", nil),
		"used":  total(t, nodes, "scatterbytes_store_used_bytes", nil),
		"chunk": total(t, nodes, "scatterbytes_store_chunks", nil),
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data := make([]byte, 300<<10)
	rand.Read(data)
	ref, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "m", Redundancy: "1+2"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %v (%d bytes)", err, len(got))
	}

	after := map[string]float64{
		"put":   total(t, nodes, "scatterbytes_chunk_requests_total", map[string]string{"op": "put", "result": "ok"}),
		"get":   total(t, nodes, "scatterbytes_chunk_requests_total", map[string]string{"op": "get", "result": "ok"}),
		"sput":  total(t, nodes, "scatterbytes_store_operations_total", map[string]string{"op": "put", "result": "ok"}),
		"sget":  total(t, nodes, "scatterbytes_store_operations_total", map[string]string{"op": "get", "result": "ok"}),
		"in":    total(t, nodes, "scatterbytes_network_received_bytes_total", nil),
		"out":   total(t, nodes, "scatterbytes_network_sent_bytes_total", nil),
		"used":  total(t, nodes, "scatterbytes_store_used_bytes", nil),
		"chunk": total(t, nodes, "scatterbytes_store_chunks", nil),
	}
	for k := range before {
		if after[k] <= before[k] {
			t.Errorf("%s did not move: %v before the put and get, %v after", k, before[k], after[k])
		}
	}
	// Three nodes hold a 1+2 stripe each of 300 KiB: at least that much
	// came in over the network.
	if in := after["in"] - before["in"]; in < 3*300<<10 {
		t.Errorf("received %v bytes for three 300 KiB shards", in)
	}
}

func TestMetricsCountGateRefusals(t *testing.T) {
	net := clienttest.NewNetwork(t, 1)
	sn := storageNodes(t, net)[0]
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	// A certificate the network's CA did not sign.
	der, err := cert.SelfSigned(k, cert.RoleNode, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := nettest.Rogue(t, k, der)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_ = h.Connect(ctx, sn.Node().AddrInfo())
	err = wait.For(ctx, func() error {
		v := scrape(t, sn.Storage().Metrics()).Value("scatterbytes_gate_refusals_total", map[string]string{"reason": "bad_certificate"})
		if v < 1 {
			return fmt.Errorf("%v refusals counted", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

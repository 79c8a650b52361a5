// Package metrics is one party's Prometheus metrics: a registry of its
// own (tests run many nodes in one process, so nothing goes to the global
// default registry) and the ScatterBytes series, served in the Prometheus
// text format by Handler at /metrics.
//
// Names follow Prometheus' conventions: every series starts with
// "scatterbytes_", counters end in "_total", sizes are in bytes (base
// units) and say so ("_bytes"). Labels take a small fixed set of values
// (an operation, an outcome, a reason, a protocol this node serves), never
// a peer or a chunk.
//
// The series, by what feeds them:
//
//	scatterbytes_store_used_bytes, _capacity_bytes, _chunks,
//	  _quarantined_chunks                      gauges read at scrape (store.Usage)
//	scatterbytes_store_operations_total{op,result}      Store (a wrapped store.Store)
//	scatterbytes_chunk_requests_total{op,result}        ChunkServed (p2p/chunk hook)
//	scatterbytes_network_received_bytes_total{protocol},
//	scatterbytes_network_sent_bytes_total{protocol}     Bandwidth (libp2p's reporter)
//	scatterbytes_gate_refusals_total{reason}            GateRefused (p2p/gate hook)
//	scatterbytes_proofs_total{result}                   Proof (the storage node's prover)
//	scatterbytes_libp2p_rcmgr_*{scope,...}              ResourceManager (read at scrape)
//	scatterbytes_peers_connected, scatterbytes_routing_table_peers
//	go_*, process_*                                     the standard collectors
//
// The coordinator adds its own series (nodes by state, proofs verified,
// the epoch, payouts) with Register. Gauges that reading costs little are
// read when scraped, not kept up to date: a scrape every few seconds is
// cheaper than a gauge update on every operation.
//
// libp2p's own resource-manager metrics stay off (see p2p/node: they
// report every reservation, each yamux window update among them); the
// resource-manager series here read its scopes' totals at scrape instead.
package metrics

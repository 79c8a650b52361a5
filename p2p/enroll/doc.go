// Package enroll is how a party gets and renews its membership certificate,
// and how anyone fetches the network's CRL.
//
// # Protocol /scatterbytes/enroll/1.0.0
//
// The coordinator (which runs the network CA) serves it on its host without
// the membership gate: a newcomer has no certificate yet. The client opens a
// stream and writes one Request; the server answers with one Response and
// closes. Both are a uvarint length followed by protobuf, a request at
// most MaxMessage bytes, a response at most MaxResponse (it carries the
// CRL, up to cert.MaxCRLSize):
//
//	message Request {
//	  bytes  csr      = 1;  // PEM certificate request signed by the sender's
//	                        // libp2p key; empty = only fetch the CRL
//	  uint64 have_crl = 2;  // number of the CRL the sender holds, if any
//	}
//	message Response {
//	  bytes  cert  = 1;  // DER certificate, when a csr was sent and approved
//	  bytes  crl   = 2;  // DER CRL of the network CA, left out when
//	                     // have_crl names it or a newer one
//	  string error = 3;  // why the request was refused; then cert is empty
//	}
//
// enroll.proto is the schema with every field's caps; both messages are
// decoded under package internal/wire's policy (unknown fields skipped;
// groups, wrong wire types, a field given twice refused).
//
// The server refuses a request whose CSR is not for the sender's own key
// (the peer ID in the CSR must be the stream's remote peer) and asks its
// Approve policy before signing. On a local testnet the policy approves
// everyone; on a public network it is the operator's decision.
package enroll

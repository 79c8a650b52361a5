package node

import "github.com/scatterbytes/scatterbytes/p2p/cert"

// Cert is the node's current membership certificate (DER); it changes when
// the certificate is renewed.
func (n *Node) Cert() []byte { return *n.certDER.Load() }

// CRL is the newest verified CRL the node holds, or nil.
func (n *Node) CRL() *cert.CRL { return n.crl.Load() }

// Package cert issues and verifies ScatterBytes membership certificates.
//
// A membership certificate is an X.509 v3 certificate that binds a libp2p
// identity (package identity) to a role and a payout address. Peers exchange
// them over /scatterbytes/cert/1.0.0 after the libp2p handshake; a Verifier
// decides whether the remote peer is a member.
//
// # Certificate profile
//
//   - SubjectPublicKeyInfo: the party's libp2p Ed25519 key itself
//     (RFC 8410, OID 1.3.101.112, 32 bytes). Nothing else is accepted
//     (ErrBadKey), so peer.IDFromPublicKey of the certificate key is the
//     peer ID, and Verify requires it to equal the connection's remote peer.
//   - Subject: exactly CN = the peer ID string (peer.ID.String(), base58
//     "12D3KooW..."). Verify requires CN to match the key.
//   - Issuer: the CA's subject, or on an open network the subject itself.
//   - Serial: 128 random bits, positive.
//   - Validity: NotBefore is backdated 5 minutes for clock skew; NotAfter is
//     chosen by the issuer (DefaultValidity, 7 days, on the public network)
//     and never later than the CA certificate's. Renew when NeedsRenewal,
//     i.e. when less than a third of the validity remains.
//   - KeyUsage digitalSignature; BasicConstraints cA=FALSE.
//   - Signature: Ed25519 by the CA key (or by the member's own key on an
//     open network).
//
// Role and payout are non-critical extensions under the private arc
// 1.3.6.1.4.1.59999.1 (59999 is a placeholder Private Enterprise Number;
// register a real PEN before a public launch and accept both during a
// transition):
//
//	1.3.6.1.4.1.59999.1.1  role    UTF8String  "node" | "client" | "coordinator"   required, once
//	1.3.6.1.4.1.59999.1.2  payout  UTF8String  1..100 bytes of ASCII 0x21..0x7E    optional, once
//
// The extnValue OCTET STRING holds exactly one DER UTF8String (tag 0x0C)
// and nothing after it. An absent payout extension means no payout
// address; an empty one is refused. Any other critical extension is
// refused (ErrBadCert). testdata/member-extensions.golden pins the
// encoding and testdata/member.crt a whole deterministic certificate.
//
// # Requests
//
// A node or client enrols with a PKCS#10 request (PEM "CERTIFICATE
// REQUEST") made by NewCSR: Subject CN = its peer ID, its libp2p Ed25519
// key, the role and payout extensions in the extensionRequest attribute,
// signed with that key (proof of possession). ParseCSR checks all of it;
// CA.Sign then issues a certificate carrying the requested role and payout.
// The CA does not judge whether a role is deserved: enrolment code applies
// that policy between ParseCSR and Sign. A revoked peer is never issued a
// certificate again.
//
// # CA
//
// The CA certificate is self-signed with a dedicated Ed25519 key:
// CN = "ScatterBytes <network> CA", O = "ScatterBytes", cA=TRUE,
// pathLenConstraint 0, KeyUsage keyCertSign|cRLSign. A CA directory holds:
//
//	ca.key    the CA key in the identity key file format, mode 0600
//	ca.crt    the CA certificate, PEM "CERTIFICATE", mode 0644
//	ca.state  JSON, mode 0600, replaced atomically on every change:
//	          {"version": 1,
//	           "crl_number": <last CRL number used, 0 if none>,
//	           "issued":  {"<peer ID>": [{"serial": "<lower-case hex>", "not_after": "<RFC 3339>"}]},
//	           "revoked": {"<peer ID>": "<RFC 3339 revocation time>"}}
//
// "issued" lists only unexpired certificates (expired ones are pruned).
// The state is written before a call that changed it returns, so CRL
// numbers are never reused after a crash. LoadCA refuses a directory
// whose ca.state is missing.
//
// # Revocation
//
// Revocation is per peer: CA.Revoke(p) revokes every certificate issued to
// p and refuses to issue more. CA.CRL makes an X.509 v2 CRL (DER, RFC 5280)
// signed by the CA with:
//
//   - CRLNumber increasing by one on every call (newer lists win);
//   - one entry per unexpired serial issued to a revoked peer, with the
//     revocation time;
//   - a non-critical extension 1.3.6.1.4.1.59999.1.3 (revoked peers) whose
//     value is SEQUENCE OF UTF8String, the revoked peer ID strings sorted
//     by their binary form. It is always present, possibly empty.
//
// Peer IDs sit in a list-level extension rather than in entry extensions
// because a peer may be revoked before (or long after) any certificate of
// it exists, and because the connection gater asks by peer ID.
// ParseCRL checks the signature against the CA certificate and refuses
// unknown critical extensions (delta, indirect and partitioned CRLs are
// not supported). Verify refuses a certificate whose serial or peer is
// listed (ErrRevoked). NextUpdate is informative: Verify does not refuse a
// stale CRL, as an old list still names revoked peers.
//
// # Limits
//
// Verify refuses DER certificates over MaxCertSize (16 KiB); PEM inputs
// may be four times that; ParseCRL refuses DER CRLs over MaxCRLSize
// (4 MiB). All refusals wrap a sentinel from errors.go with a sentence
// fit for the command line.
package cert

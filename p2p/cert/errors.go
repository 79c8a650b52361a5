package cert

import "errors"

// Sentinel errors. Functions wrap them with a sentence that says what was
// wrong and, where the user can act, what to do; decide with errors.Is.
var (
	// ErrTooLarge means an input exceeds its size bound (see doc.go).
	ErrTooLarge = errors.New("input too large")

	// ErrBadCert means the bytes are not a well-formed membership certificate.
	ErrBadCert = errors.New("malformed certificate")

	// ErrBadCSR means a certificate request is malformed or its
	// self-signature does not verify.
	ErrBadCSR = errors.New("malformed certificate request")

	// ErrBadCRL means a revocation list is malformed or not signed by the CA.
	ErrBadCRL = errors.New("bad revocation list")

	// ErrBadKey means a key is not an Ed25519 key of the right size.
	ErrBadKey = errors.New("key is not Ed25519")

	// ErrWrongPeer means a certificate or request does not belong to the
	// peer it claims to or is presented by.
	ErrWrongPeer = errors.New("certificate belongs to another peer")

	// ErrUnknownCA means a certificate is not signed by the network's CA
	// (or, on an open network, not self-signed by its own key).
	ErrUnknownCA = errors.New("certificate not issued by this network's CA")

	// ErrExpired means the certificate's validity has ended.
	ErrExpired = errors.New("certificate expired")

	// ErrNotYetValid means the certificate's validity has not begun.
	ErrNotYetValid = errors.New("certificate not yet valid")

	// ErrRevoked means the CRL lists the certificate or its peer.
	ErrRevoked = errors.New("certificate revoked")

	// ErrBadRole means the role extension is missing or not a known role.
	ErrBadRole = errors.New("bad role")

	// ErrBadPayout means the payout address is too long or not printable.
	ErrBadPayout = errors.New("bad payout address")

	// ErrNoCA means there is no CA in the given directory.
	ErrNoCA = errors.New("no CA")
)

package gate

import "errors"

var (
	// ErrNotVerified means a peer has not (or not yet) shown a valid certificate.
	ErrNotVerified = errors.New("peer has no verified membership certificate")
	// ErrNotConnected means a verdict was asked for a peer with no connection.
	ErrNotConnected = errors.New("peer is not connected")
	// ErrBadMessage means a certificate message was malformed or too large.
	ErrBadMessage = errors.New("malformed certificate message")
	// ErrDenied means the peer is revoked by the network CA or blocked.
	ErrDenied = errors.New("peer is revoked or blocked")
)

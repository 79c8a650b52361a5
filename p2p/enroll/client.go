package enroll

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
)

// ErrRefused means the CA refused the request; the message says why.
var ErrRefused = errors.New("enrolment refused")

// Enroll sends csr (or nothing, to fetch only the CRL) to the CA peer and
// returns its response. h may be a bare host: no certificate is needed.
func Enroll(ctx context.Context, h host.Host, ca peer.AddrInfo, pid protocol.ID, csr []byte) (*Response, error) {
	return exchange(ctx, h, ca, pid, Request{CSR: csr})
}

// FetchCRL asks the CA peer for its CRL, telling it the number of the one
// held (0: none). The response's CRL is empty when the peer has none
// newer.
func FetchCRL(ctx context.Context, h host.Host, ca peer.AddrInfo, pid protocol.ID, have uint64) (*Response, error) {
	return exchange(ctx, h, ca, pid, Request{HaveCRL: have})
}

func exchange(ctx context.Context, h host.Host, ca peer.AddrInfo, pid protocol.ID, req Request) (*Response, error) {
	csr := req.CSR
	if len(ca.Addrs) > 0 {
		if err := h.Connect(ctx, ca); err != nil {
			return nil, fmt.Errorf("enrol with %s: %w", ca.ID, err)
		}
	}
	s, err := h.NewStream(ctx, ca.ID, pid)
	if err != nil {
		return nil, fmt.Errorf("enrol with %s: %w", ca.ID, err)
	}
	defer s.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(d)
	}
	if err := msgio.NewVarintWriter(s).WriteMsg(req.marshal()); err != nil {
		s.Reset()
		return nil, fmt.Errorf("enrol with %s: %w", ca.ID, err)
	}
	b, err := msgio.NewVarintReaderSize(s, MaxResponse).ReadMsg()
	if err != nil {
		s.Reset()
		return nil, fmt.Errorf("enrol with %s: %w", ca.ID, err)
	}
	var resp Response
	if err := resp.unmarshal(b); err != nil {
		return nil, err
	}
	if resp.Error != "" {
		return &resp, fmt.Errorf("%w by %s: %s", ErrRefused, ca.ID, resp.Error)
	}
	if len(csr) > 0 && len(resp.Cert) == 0 {
		return &resp, fmt.Errorf("%w by %s: no certificate in the answer", ErrRefused, ca.ID)
	}
	return &resp, nil
}

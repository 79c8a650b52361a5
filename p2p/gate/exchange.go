package gate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
	msmux "github.com/multiformats/go-multistream"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// exchange runs our side of the protocol with p: send ours, judge theirs.
func (g *Gate) exchange(p peer.ID) {
	<-g.ready
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.Timeout)
	defer cancel()
	m, err := g.openExchange(ctx, p)
	switch {
	case errors.Is(err, errNoExchange):
		// A newcomer without a certificate may still enrol (the one
		// ungated protocol): refuse it now, hang up after a grace period.
		g.settle(p, cert.Member{}, err)
		time.AfterFunc(g.cfg.Grace, func() {
			if _, ok := g.Verified(p); !ok {
				_ = g.h.Network().ClosePeer(p)
				g.forget(p)
			}
		})
	case err != nil:
		g.reject(p, err)
	default:
		g.settle(p, m, nil)
	}
}

// errNoExchange marks a peer that does not speak the certificate protocol.
var errNoExchange = errors.New("does not speak the certificate protocol")

func (g *Gate) openExchange(ctx context.Context, p peer.ID) (cert.Member, error) {
	s, err := g.h.NewStream(network.WithNoDial(ctx, "certificate exchange"), p, g.cfg.Protocol)
	if errors.As(err, new(msmux.ErrNotSupported[protocol.ID])) {
		return cert.Member{}, fmt.Errorf("%w: %s: %w", ErrNotVerified, p, errNoExchange)
	}
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: certificate exchange: %v", ErrNotVerified, p, err)
	}
	defer s.Close()
	deadline, _ := ctx.Deadline()
	_ = s.SetDeadline(deadline)
	if err := msgio.NewVarintWriter(s).WriteMsg(encodeChain([][]byte{g.cfg.Cert()})); err != nil {
		s.Reset()
		return cert.Member{}, fmt.Errorf("%w: %s: send certificate: %v", ErrNotVerified, p, err)
	}
	m, err := g.readAndVerify(s)
	if err != nil {
		s.Reset()
	}
	return m, err
}

// handle serves the remote side's exchange: judge theirs, then send ours.
func (g *Gate) handle(s network.Stream) {
	// The gate judges no one before Run, so that its owner can finish
	// wiring what verdicts reach (the node sets the routing table's
	// callbacks after Attach) without racing with them.
	t := time.NewTimer(g.cfg.Timeout)
	defer t.Stop()
	select {
	case <-g.ready:
	case <-t.C:
		s.Reset()
		return
	}
	p := s.Conn().RemotePeer()
	_ = s.SetDeadline(time.Now().Add(g.cfg.Timeout))
	m, err := g.readAndVerify(s)
	if err != nil {
		s.Reset()
		g.reject(p, err)
		return
	}
	if err := msgio.NewVarintWriter(s).WriteMsg(encodeChain([][]byte{g.cfg.Cert()})); err != nil {
		s.Reset()
		return // our side is at fault or the peer left; do not judge them
	}
	s.Close()
	g.settle(p, m, nil)
}

func (g *Gate) readAndVerify(s network.Stream) (cert.Member, error) {
	p := s.Conn().RemotePeer()
	// Not closed: closing a msgio reader closes the stream under it.
	b, err := msgio.NewVarintReaderSize(s, MaxMessage).ReadMsg()
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: read certificate: %v", ErrNotVerified, p, err)
	}
	chain, err := decodeChain(b) // chain aliases b: do not release it
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: %v", ErrNotVerified, p, err)
	}
	if g.cfg.Denied(p) {
		return cert.Member{}, fmt.Errorf("%w: %s", ErrDenied, p)
	}
	m, err := g.cfg.Verifier.Verify(chain[0], p)
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: %w", ErrNotVerified, p, err)
	}
	return m, nil
}
